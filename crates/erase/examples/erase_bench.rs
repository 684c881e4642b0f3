//! Benchmark driver for the erase engine (used by scripts/bench-erase.sh; not a test).
//!
//! ```text
//! erase_bench gen      [--mib N]                          pattern generator alone, one thread
//! erase_bench write    --dev P --pattern zero|random [tuning] [--repeat N]
//! erase_bench verify   --dev P --pattern zero|random --seed HEX [tuning] [--repeat N]
//! erase_bench parallel --dev P --dev Q ... --pattern zero|random [tuning]
//! erase_bench erase    --dev P                            one zero-scheme erase (fixed cost)
//! tuning: --chunk-kib N --buffers N --generators N --writers N --readers N --comparers N
//! ```
//!
//! Every result is one line `RESULT name=... bytes=... seconds=... gbps=...` (GB = 10⁹ bytes),
//! and `RSS peak_kib=...` (VmHWM) at exit.

use std::error::Error;
use std::path::{Path, PathBuf};
use std::time::Instant;

use ardoise_disk::block::{Access, BlockIo, DeviceFile};
use ardoise_erase::overwrite::{self, OverwriteOptions};
use ardoise_erase::verify::{self, VerifyOptions, VerifyScope};
use ardoise_erase::{Control, Expected, Pattern, PatternSpec, Scheme, Seed};

type Res<T> = Result<T, Box<dyn Error + Send + Sync>>;

#[derive(Default)]
struct Args {
    cmd: String,
    devs: Vec<PathBuf>,
    pattern: String,
    seed: Option<Seed>,
    mib: u64,
    repeat: usize,
    chunk_kib: Option<usize>,
    buffers: Option<usize>,
    generators: Option<usize>,
    writers: Option<usize>,
    readers: Option<usize>,
    comparers: Option<usize>,
}

fn parse() -> Res<Args> {
    let mut it = std::env::args().skip(1);
    let mut a = Args {
        cmd: it.next().ok_or("missing command")?,
        pattern: "zero".into(),
        mib: 4096,
        repeat: 1,
        ..Args::default()
    };
    while let Some(flag) = it.next() {
        let mut val = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--dev" => a.devs.push(PathBuf::from(val()?)),
            "--pattern" => a.pattern = val()?,
            "--seed" => a.seed = Some(Seed::from_hex(&val()?)?),
            "--mib" => a.mib = val()?.parse()?,
            "--repeat" => a.repeat = val()?.parse()?,
            "--chunk-kib" => a.chunk_kib = Some(val()?.parse()?),
            "--buffers" => a.buffers = Some(val()?.parse()?),
            "--generators" => a.generators = Some(val()?.parse()?),
            "--writers" => a.writers = Some(val()?.parse()?),
            "--readers" => a.readers = Some(val()?.parse()?),
            "--comparers" => a.comparers = Some(val()?.parse()?),
            other => return Err(format!("unknown flag {other}").into()),
        }
    }
    Ok(a)
}

fn write_options(a: &Args) -> OverwriteOptions {
    let d = OverwriteOptions::default();
    OverwriteOptions {
        chunk_bytes: a.chunk_kib.map_or(d.chunk_bytes, |k| k * 1024),
        buffers: a.buffers.unwrap_or(d.buffers),
        generator_threads: a.generators.unwrap_or(d.generator_threads),
        writer_threads: a.writers.unwrap_or(d.writer_threads),
        ..d
    }
}

fn verify_options(a: &Args) -> VerifyOptions {
    let d = VerifyOptions::default();
    VerifyOptions {
        chunk_bytes: a.chunk_kib.map_or(d.chunk_bytes, |k| k * 1024),
        buffers: a.buffers.unwrap_or(d.buffers),
        reader_threads: a.readers.unwrap_or(d.reader_threads),
        compare_threads: a.comparers.unwrap_or(d.compare_threads),
        ..d
    }
}

fn scheme(pattern: &str) -> Res<Scheme> {
    match pattern {
        "zero" => Ok(Scheme::zero()),
        "random" => Ok(Scheme::random()),
        other => Err(format!("unknown pattern {other}").into()),
    }
}

fn result(name: &str, bytes: u64, seconds: f64) {
    println!(
        "RESULT name={name} bytes={bytes} seconds={seconds:.4} gbps={:.3}",
        bytes as f64 / seconds / 1e9
    );
}

fn open(p: &Path) -> Res<DeviceFile> {
    let d = DeviceFile::open(p, Access::ReadWrite)?;
    if !d.is_direct() {
        return Err(format!("{} could not be opened with O_DIRECT", p.display()).into());
    }
    Ok(d)
}

/// One overwrite of the whole device; returns (bytes, seconds including the flush).
fn one_write(dev: &DeviceFile, a: &Args, seed: Seed) -> Res<(u64, f64)> {
    let t = Instant::now();
    let r = overwrite::run(
        dev,
        &scheme(&a.pattern)?,
        seed,
        &write_options(a),
        &mut Control::default(),
    )?;
    let secs = t.elapsed().as_secs_f64();
    if !r.outcome.is_success() {
        return Err(format!("overwrite failed: {:?}", r.outcome).into());
    }
    Ok((r.passes[0].bytes_written, secs))
}

fn cmd_gen(a: &Args) {
    let p = Pattern::random(Seed([7; 16]), 0);
    let mut buf = vec![0u8; 1 << 20];
    // Warm-up, then time `mib` MiB.
    for i in 0..64 {
        p.fill(&mut buf, i << 20);
    }
    let t = Instant::now();
    let cpu0 = thread_cpu_seconds();
    for i in 0..a.mib {
        p.fill(&mut buf, i << 20);
    }
    let wall = t.elapsed().as_secs_f64();
    let cpu = thread_cpu_seconds().zip(cpu0).map(|(b, a)| b - a);
    result("generator", a.mib << 20, wall);
    // `openssl speed` divides by user CPU time by default: this is the comparable figure on a
    // shared machine.
    if let Some(cpu) = cpu.filter(|c| *c > 0.0) {
        println!(
            "RESULT name=generator-cpu bytes={} seconds={cpu:.4} gbps={:.3}",
            a.mib << 20,
            (a.mib << 20) as f64 / cpu / 1e9
        );
    }
    std::hint::black_box(&buf);
}

/// CPU time of the calling thread (user + system), from /proc (clock ticks of 1/100 s, the
/// fixed USER_HZ of Linux's /proc interface).
fn thread_cpu_seconds() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = f.get(11)?.parse().ok()?;
    let stime: f64 = f.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

fn cmd_write(a: &Args) -> Res<()> {
    let dev = open(&a.devs[0])?;
    let seed = a.seed.unwrap_or(Seed::random()?);
    for _ in 0..a.repeat {
        let (bytes, secs) = one_write(&dev, a, seed)?;
        result(&format!("write-{}", a.pattern), bytes, secs);
    }
    println!("SEED {}", seed.to_hex());
    Ok(())
}

fn cmd_verify(a: &Args) -> Res<()> {
    let dev = open(&a.devs[0])?;
    let expected = match a.pattern.as_str() {
        "zero" => Expected::zeros(),
        "random" => Expected::Pattern(Pattern::new(
            &PatternSpec::Random,
            a.seed.ok_or("--seed needed")?,
            0,
        )?),
        other => return Err(format!("unknown pattern {other}").into()),
    };
    for _ in 0..a.repeat {
        let t = Instant::now();
        let v = verify::run(
            &dev,
            &VerifyScope::Full,
            &expected,
            &verify_options(a),
            &mut Control::default(),
        )?;
        let secs = t.elapsed().as_secs_f64();
        if !v.passed() {
            return Err(format!("verification failed: {}", v.summary()).into());
        }
        result(&format!("verify-{}", a.pattern), v.bytes_read, secs);
    }
    Ok(())
}

fn cmd_parallel(a: &Args) -> Res<()> {
    let devs = a.devs.iter().map(|p| open(p)).collect::<Res<Vec<_>>>()?;
    let t = Instant::now();
    let results: Vec<Res<(u64, f64)>> = std::thread::scope(|s| {
        let handles: Vec<_> = devs
            .iter()
            .map(|d| s.spawn(move || one_write(d, a, Seed([3; 16]))))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("bench thread"))
            .collect()
    });
    let wall = t.elapsed().as_secs_f64();
    let mut total = 0;
    for (d, r) in devs.iter().zip(results) {
        let (bytes, secs) = r?;
        total += bytes;
        result(&format!("job-{}", d.path().display()), bytes, secs);
    }
    result(
        &format!("parallel{}-{}", devs.len(), a.pattern),
        total,
        wall,
    );
    Ok(())
}

fn cmd_erase(a: &Args) -> Res<()> {
    let t = Instant::now();
    let dev = open(&a.devs[0])?;
    let (bytes, _) = one_write(&dev, a, Seed([0; 16]))?;
    drop(dev);
    result("erase-in-process", bytes, t.elapsed().as_secs_f64());
    Ok(())
}

fn peak_rss_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() -> Res<()> {
    let a = parse()?;
    if a.cmd != "gen" && a.devs.is_empty() {
        return Err("--dev is required".into());
    }
    match a.cmd.as_str() {
        "gen" => cmd_gen(&a),
        "write" => cmd_write(&a)?,
        "verify" => cmd_verify(&a)?,
        "parallel" => cmd_parallel(&a)?,
        "erase" => cmd_erase(&a)?,
        other => return Err(format!("unknown command {other}").into()),
    }
    if let Some(kib) = peak_rss_kib() {
        println!("RSS peak_kib={kib}");
    }
    Ok(())
}
