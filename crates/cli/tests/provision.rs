//! `ardoise provision` on an image file and on a stick (a loop device this test attaches): the
//! data partition read back with mtools (an independent FAT reader) holds a configuration the
//! station accepts and a key whose certificates verify with the trust entry it printed.

mod common;
use common::{ardoise, block_disk, code, fill, sim, text, SECTORS};
use std::path::{Path, PathBuf};

use ardoise_disk::testing::{require_root, run, LoopDevice, LoopOptions, Mount};

const PART_START: u64 = 1 << 20;
const PART_LEN: u64 = 40 << 20;

/// A small stick image like `make image`'s: an MBR whose FAT32 partition is labelled ARDOISE.
fn stick_image(dir: &Path) -> PathBuf {
    let img = dir.join("stick.img");
    let f = std::fs::File::create(&img).unwrap();
    f.set_len(PART_START + PART_LEN).unwrap();
    let mut mbr = [0u8; 512];
    let entry = &mut mbr[446 + 32..446 + 48]; // partition 3, like the image's
    entry[4] = 0x0c;
    entry[8..12].copy_from_slice(&((PART_START / 512) as u32).to_le_bytes());
    entry[12..16].copy_from_slice(&((PART_LEN / 512) as u32).to_le_bytes());
    mbr[510] = 0x55;
    mbr[511] = 0xAA;
    std::os::unix::fs::FileExt::write_all_at(&f, &mbr, 0).unwrap();
    drop(f);
    let sectors = (PART_LEN / 1024).to_string();
    run(
        "mkfs.fat",
        &[
            "-F",
            "32",
            "-n",
            "ARDOISE",
            "--offset",
            &(PART_START / 512).to_string(),
            img.to_str().unwrap(),
            &sectors,
        ],
    )
    .unwrap();
    img
}

/// Copies `file` out of the image's data partition with mtools.
fn mtype(img: &Path, file: &str) -> String {
    run(
        "mtype",
        &[
            "-i",
            &format!("{}@@{PART_START}", img.display()),
            &format!("::/{file}"),
        ],
    )
    .unwrap_or_else(|e| panic!("mtype {file}: {e}"))
}

fn registry_vkey(dir: &Path) -> PathBuf {
    let signer = ardoise_cert::note::NoteSigner::new("registre.example.org", &[3; 32]).unwrap();
    let p = dir.join("registry.vkey");
    std::fs::write(&p, signer.verifier().to_vkey() + "\n").unwrap();
    p
}

fn provision(target: &[&str], vkey: &Path, out: &Path) -> std::process::Output {
    let mut args = vec!["provision"];
    args.extend_from_slice(target);
    args.extend_from_slice(&[
        "--workshop",
        "ressourcerie-caen",
        "--workshop-name",
        "Ressourcerie de Caen",
        "--station",
        "poste-2",
        "--registry",
        "http://10.0.2.100/",
        "--registry-key",
        vkey.to_str().unwrap(),
        "--operator",
        "op-7f3a=Camille",
        "--out",
        out.to_str().unwrap(),
    ]);
    ardoise(&args)
}

#[test]
fn an_image_file_provisioned_gives_a_station_whose_certificates_verify() {
    let dir = tempfile::tempdir().unwrap();
    let img = stick_image(dir.path());
    let vkey = registry_vkey(dir.path());
    let out = provision(
        &["--image", img.to_str().unwrap()],
        &vkey,
        &dir.path().join("pub"),
    );
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(
        text(&out).contains(
            "ardoise-registry station add --db <DB> --workshop ressourcerie-caen --station poste-2"
        ),
        "{}",
        text(&out)
    );

    // The file system is sound for dosfstools' own checker.
    let part = dir.path().join("part.img");
    let bytes = std::fs::read(&img).unwrap();
    std::fs::write(&part, &bytes[PART_START as usize..]).unwrap();
    run("fsck.fat", &["-n", part.to_str().unwrap()]).expect("fsck.fat finds no error");

    // What the stick's data partition holds, read with mtools into a station directory.
    let data = dir.path().join("data");
    std::fs::create_dir_all(data.join("keys")).unwrap();
    for f in [
        "ardoise.toml",
        "keys/station.key",
        "keys/station.pub",
        "keys/trust.toml",
        "keys/registry.pub",
    ] {
        std::fs::write(data.join(f), mtype(&img, f)).unwrap();
    }
    let toml = std::fs::read_to_string(data.join("ardoise.toml")).unwrap();
    assert!(toml.contains("url = \"http://10.0.2.100\""), "{toml}");
    let check = ardoise(&[
        "config",
        "check",
        data.join("ardoise.toml").to_str().unwrap(),
    ]);
    assert_eq!(code(&check), 0, "{}", text(&check));
    assert_eq!(
        std::fs::read_to_string(data.join("keys/registry.pub"))
            .unwrap()
            .trim(),
        std::fs::read_to_string(&vkey).unwrap().trim()
    );

    let p = block_disk(dir.path(), "vd", SECTORS);
    fill(&p);
    let erase = ardoise(&[
        "erase",
        "--device",
        &sim(&p),
        "--yes",
        "--operator",
        "op-7f3a",
        "--cert-dir",
        data.to_str().unwrap(),
    ]);
    assert_eq!(code(&erase), 0, "{}", text(&erase));
    // The trust entry provision printed (and wrote to --out) accepts the certificate.
    let v = ardoise(&[
        "verify",
        "--keys",
        dir.path().join("pub/trust.toml").to_str().unwrap(),
        data.to_str().unwrap(),
    ]);
    assert_eq!(code(&v), 0, "{}", text(&v));

    // Provisioning again for the same station keeps its key; for another one it refuses.
    let again = provision(
        &["--image", img.to_str().unwrap()],
        &vkey,
        &dir.path().join("pub2"),
    );
    assert_eq!(code(&again), 0, "{}", text(&again));
    assert!(text(&again).contains("kept"), "{}", text(&again));
    assert_eq!(
        mtype(&img, "keys/station.key").trim(),
        std::fs::read_to_string(data.join("keys/station.key"))
            .unwrap()
            .trim()
    );
}

#[test]
fn a_stick_is_written_and_set_up_and_a_mounted_disk_is_refused() {
    if !require_root() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let img = stick_image(dir.path());
    let vkey = registry_vkey(dir.path());
    let stick = LoopDevice::create(LoopOptions {
        size_bytes: 64 << 20,
        direct_io: false,
        ..Default::default()
    })
    .unwrap();
    let dev = stick.path.to_str().unwrap();
    let no_yes = provision(
        &["--device", dev, "--write-image", img.to_str().unwrap()],
        &vkey,
        &dir.path().join("p0"),
    );
    assert_eq!(
        code(&no_yes),
        2,
        "writing an image needs --yes: {}",
        text(&no_yes)
    );
    let out = provision(
        &[
            "--device",
            dev,
            "--write-image",
            img.to_str().unwrap(),
            "--yes",
        ],
        &vkey,
        &dir.path().join("pub"),
    );
    assert_eq!(code(&out), 0, "{}", text(&out));
    let toml = run(
        "mtype",
        &["-i", &format!("{dev}@@{PART_START}"), "::/ardoise.toml"],
    )
    .unwrap();
    assert!(toml.contains("station = \"poste-2\""), "{toml}");

    // A disk with a mounted file system is never written.
    let other = LoopDevice::create(LoopOptions::default()).unwrap();
    run("mkfs.ext4", &["-q", "-F", other.path.to_str().unwrap()]).unwrap();
    let m = Mount::new(&other.path, &[]).unwrap();
    std::fs::write(m.dir.path().join("keep.txt"), b"still here").unwrap();
    let refused = provision(
        &[
            "--device",
            other.path.to_str().unwrap(),
            "--write-image",
            img.to_str().unwrap(),
            "--yes",
        ],
        &vkey,
        &dir.path().join("p2"),
    );
    assert_eq!(code(&refused), 3, "{}", text(&refused));
    assert_eq!(
        std::fs::read(m.dir.path().join("keep.txt")).unwrap(),
        b"still here"
    );
}
