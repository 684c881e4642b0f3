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

/// A setting the station would refuse stops `provision` before the target is opened: the
/// image file is byte for byte what it was, even when an image was to be written onto it.
#[test]
fn a_bad_setting_leaves_the_target_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let target = stick_image(dir.path());
    let before = std::fs::read(&target).unwrap();
    // The image `--write-image` would copy over the target: a fresh stick image.
    let fresh = dir.path().join("fresh");
    std::fs::create_dir_all(&fresh).unwrap();
    let image = stick_image(&fresh);
    // Different from the target whatever volume id mkfs.fat drew (in the gap before the FAT).
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&image)
        .unwrap();
    std::os::unix::fs::FileExt::write_all_at(&f, b"the image to write", 4096).unwrap();
    drop(f);
    let vkey = registry_vkey(dir.path());
    let not_a_key = dir.path().join("not-a-key.vkey");
    std::fs::write(&not_a_key, "registre.example.org+0000+AAAA\n").unwrap();
    let good = [
        ("--workshop", "ressourcerie-caen"),
        ("--station", "poste-2"),
        ("--registry", "http://10.0.2.100/"),
        ("--registry-key", vkey.to_str().unwrap()),
    ];
    for (flag, bad, named) in [
        ("--workshop", "Atelier Caen", "workshop.id"),
        ("--station", "Poste 2", "workshop.station"),
        ("--registry", "registre.example.org", "registry.url"),
        (
            "--registry-key",
            not_a_key.to_str().unwrap(),
            "verifier key",
        ),
    ] {
        for write_image in [false, true] {
            let mut args = vec!["provision", "--image", target.to_str().unwrap()];
            if write_image {
                args.extend_from_slice(&["--write-image", image.to_str().unwrap()]);
            }
            for (f, v) in good {
                args.extend_from_slice(&[f, if f == flag { bad } else { v }]);
            }
            args.extend_from_slice(&["--workshop-name", "Ressourcerie de Caen"]);
            let out = ardoise(&args);
            assert_ne!(code(&out), 0, "{flag} {bad}: {}", text(&out));
            assert!(text(&out).contains(named), "{flag} {bad}: {}", text(&out));
            assert!(
                std::fs::read(&target).unwrap() == before,
                "{flag} {bad:?} (write image: {write_image}) changed the target"
            );
        }
    }
    // The same command with good settings does write it (the test can fail).
    let mut args = vec![
        "provision",
        "--image",
        target.to_str().unwrap(),
        "--write-image",
        image.to_str().unwrap(),
        "--workshop-name",
        "Ressourcerie de Caen",
    ];
    for (f, v) in good {
        args.extend_from_slice(&[f, v]);
    }
    let out = ardoise(&args);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(std::fs::read(&target).unwrap() != before);
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

/// A PXE folder as `make pxe` writes it (the three boot configurations).
fn pxe_folder(dir: &Path) -> PathBuf {
    let pxe = dir.join("pxe");
    std::fs::create_dir_all(pxe.join("pxelinux.cfg")).unwrap();
    std::fs::create_dir_all(pxe.join("grub")).unwrap();
    std::fs::write(
        pxe.join("boot.ipxe"),
        "#!ipxe\nkernel vmlinuz initrd=initrd.img console=ttyS0 ardoise.boot=pxe\ninitrd initrd.img\nboot\n",
    )
    .unwrap();
    std::fs::write(
        pxe.join("pxelinux.cfg/default"),
        "DEFAULT ardoise\nLABEL ardoise\n  KERNEL vmlinuz\n  INITRD initrd.img\n  APPEND ardoise.boot=pxe\n",
    )
    .unwrap();
    std::fs::write(
        pxe.join("grub/grub.cfg"),
        "menuentry \"ardoise (PXE)\" {\n    linux /vmlinuz ardoise.boot=pxe\n    initrd /initrd.img\n}\n",
    )
    .unwrap();
    pxe
}

#[test]
fn a_pxe_folder_gets_a_station_whose_every_boot_is_a_station_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let pxe = pxe_folder(dir.path());
    let vkey = registry_vkey(dir.path());
    let mut args = vec!["provision", "--pxe", pxe.to_str().unwrap()];
    let out_dir = dir.path().join("pub");
    args.extend_from_slice(&[
        "--workshop",
        "ressourcerie-caen",
        "--workshop-name",
        "Ressourcerie de Caen",
        "--station",
        "pxe-1",
        "--registry",
        "http://10.0.2.100/",
        "--registry-key",
        vkey.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    let out = ardoise(&args);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(text(&out).contains("--station pxe-1-*"), "{}", text(&out));
    // Idempotent: a second run edits nothing twice.
    assert_eq!(code(&ardoise(&args)), 0);
    let ipxe = std::fs::read_to_string(pxe.join("boot.ipxe")).unwrap();
    assert!(
        ipxe.contains("initrd=initrd.img initrd=station.img"),
        "{ipxe}"
    );
    assert_eq!(ipxe.matches("initrd station.img").count(), 1, "{ipxe}");
    assert!(std::fs::read_to_string(pxe.join("pxelinux.cfg/default"))
        .unwrap()
        .contains("INITRD initrd.img,station.img"));
    assert!(std::fs::read_to_string(pxe.join("grub/grub.cfg"))
        .unwrap()
        .contains("initrd /initrd.img /station.img"));

    // station.img is a cpio archive the kernel unpacks: read it back with cpio(1).
    let unpacked = dir.path().join("initramfs");
    std::fs::create_dir_all(&unpacked).unwrap();
    let st = std::process::Command::new("cpio")
        .args(["-id", "--quiet"])
        .current_dir(&unpacked)
        .stdin(std::fs::File::open(pxe.join("station.img")).unwrap())
        .status()
        .unwrap();
    assert!(st.success());
    let seed = unpacked.join("etc/ardoise/station");
    assert!(seed.join("keys/registry.pub").exists());

    // Two machines booting from it: two stations, each with its own journal, both trusted by
    // the one per-boot entry provision printed.
    for boot in ["3fa2c9d1", "0b5e77aa"] {
        let data = dir.path().join(format!("ram-{boot}"));
        std::fs::create_dir_all(&data).unwrap();
        run(
            "cp",
            &[
                "-a",
                &format!("{}/.", seed.display()),
                data.to_str().unwrap(),
            ],
        )
        .unwrap();
        let p = block_disk(dir.path(), &format!("vd-{boot}"), SECTORS);
        fill(&p);
        let erase = common::bin()
            .args([
                "erase",
                "--device",
                &sim(&p),
                "--yes",
                "--cert-dir",
                data.to_str().unwrap(),
            ])
            .env("ARDOISE_BOOT_ID", boot)
            .output()
            .unwrap();
        assert_eq!(code(&erase), 0, "{}", text(&erase));
        let certs = common::certificates(&data);
        let c = common::payload(&certs[0]);
        assert_eq!(c["issuer"]["station_id"], format!("pxe-1-{boot}"));
        assert_eq!(c["journal"]["seq"], 0);
        let v = ardoise(&[
            "verify",
            "--keys",
            out_dir.join("trust.toml").to_str().unwrap(),
            data.to_str().unwrap(),
        ]);
        assert_eq!(code(&v), 0, "{}", text(&v));
    }
}
