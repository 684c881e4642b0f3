//! The random pattern against an independent implementation: OpenSSL's AES-128-CTR over zeros,
//! with the counter block the pattern documents (`stream ‖ offset / 16`).

mod overwrite_util;

use std::io::Write;
use std::process::{Command, Stdio};

use ardoise_erase::{Pattern, Seed};
use overwrite_util::have;

fn openssl_keystream(key: &[u8; 16], iv: u128, len: usize) -> Vec<u8> {
    let mut child = Command::new("openssl")
        .args(["enc", "-aes-128-ctr", "-nosalt", "-K"])
        .arg(hex::encode(key))
        .arg("-iv")
        .arg(format!("{iv:032x}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run openssl");
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || stdin.write_all(&vec![0u8; len]).unwrap());
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    assert!(out.status.success());
    out.stdout
}

#[test]
fn random_pattern_equals_openssl_aes_128_ctr() {
    if !have("openssl") {
        eprintln!("SKIP: openssl is not installed");
        return;
    }
    let seed = Seed(*b"\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc\xdd\xee\xff");
    for (stream, offset, len) in [
        (0u64, 0u64, 1 << 20),
        (3, 0, 4096),
        (34, 7 * (1 << 30), 65536 + 16),
    ] {
        let want = openssl_keystream(
            &seed.0,
            (u128::from(stream) << 64) | u128::from(offset / 16),
            len,
        );
        let mut got = vec![0u8; len];
        Pattern::random(seed, stream).fill(&mut got, offset);
        assert_eq!(got, want, "stream {stream} offset {offset}");
    }
}
