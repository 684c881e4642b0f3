//! Registry receipts: a log built with the Merkle primitives and a C2SP checkpoint, receipts
//! verified alone and beside certificate files, and checkpoint consistency.

mod common;

use ardoise_cert::merkle::{self, MerkleTree};
use ardoise_cert::note::{Checkpoint, NoteSigner};
use ardoise_cert::receipt::{
    check_receipt_structure, verify_checkpoint_consistency, verify_receipt, Receipt, ReceiptError,
};
use ardoise_cert::verify::{verify_files, CheckStatus, Verdict, VerifyOptions};
use common::*;

const ORIGIN: &str = "registre.example.org/log";

struct Log {
    tree: MerkleTree,
    signer: NoteSigner,
    checkpoints: Vec<String>,
}

impl Log {
    fn new() -> Log {
        Log {
            tree: MerkleTree::new(),
            signer: NoteSigner::new(ORIGIN, &[42; 32]).unwrap(),
            checkpoints: vec![],
        }
    }

    fn checkpoint(&mut self) -> String {
        let cp = Checkpoint {
            origin: ORIGIN.into(),
            size: self.tree.size(),
            root: self.tree.root(),
            extensions: vec![],
        };
        let note = cp.sign(&self.signer).unwrap();
        self.checkpoints.push(note.clone());
        note
    }

    fn receipt(&mut self, envelope: &[u8], index: u64) -> Receipt {
        let checkpoint = self.checkpoint();
        let size = self.tree.size();
        let env = ardoise_cert::envelope::Envelope::parse(envelope).unwrap();
        Receipt {
            cert_id: env.certificate_id(),
            log_index: index,
            leaf_hash: hex::encode(merkle::leaf_hash(envelope)),
            inclusion_proof: self
                .tree
                .inclusion_proof(index, size)
                .unwrap()
                .iter()
                .map(hex::encode)
                .collect(),
            checkpoint,
            registry_key: self.signer.verifier().to_vkey(),
            received_at: time::macros::datetime!(2025-11-26 11:00 UTC),
            statement: None,
            first_checkpoint: None,
        }
    }
}

#[test]
fn receipts_verify_and_tampering_fails() {
    let k = key(20);
    let dir = tempfile::tempdir().unwrap();
    let paths = write_chain(dir.path(), &k, 5);
    let envs: Vec<Vec<u8>> = paths.iter().map(|p| std::fs::read(p).unwrap()).collect();
    let mut log = Log::new();
    for e in &envs {
        log.tree.push(e);
    }
    let key = log.signer.verifier();
    for (i, e) in envs.iter().enumerate() {
        let r = log.receipt(e, i as u64);
        let v = verify_receipt(e, &r, &key).unwrap();
        assert_eq!(v.checkpoint.size, 5);
        assert!(v.signature_checked);

        // The receipt of another envelope.
        let other = &envs[(i + 1) % envs.len()];
        assert!(matches!(
            verify_receipt(other, &r, &key),
            Err(ReceiptError::CertId { .. })
        ));
        // Wrong index, tampered proof, tampered leaf hash, forged checkpoint, other key.
        let mut bad = r.clone();
        bad.log_index = (bad.log_index + 1) % 5;
        assert!(verify_receipt(e, &bad, &key).is_err());
        let mut bad = r.clone();
        let first = if bad.inclusion_proof[0].starts_with('0') {
            "1"
        } else {
            "0"
        };
        bad.inclusion_proof[0].replace_range(0..1, first);
        assert!(matches!(
            verify_receipt(e, &bad, &key),
            Err(ReceiptError::Inclusion(_))
        ));
        let mut bad = r.clone();
        bad.leaf_hash = hex::encode(merkle::leaf_hash(b"something else"));
        assert!(matches!(
            verify_receipt(e, &bad, &key),
            Err(ReceiptError::LeafHash)
        ));
        let mut bad = r.clone();
        bad.checkpoint = bad.checkpoint.replacen("\n5\n", "\n6\n", 1);
        assert!(matches!(
            verify_receipt(e, &bad, &key),
            Err(ReceiptError::Checkpoint(_))
        ));
        let impostor = NoteSigner::new(ORIGIN, &[43; 32]).unwrap().verifier();
        assert!(verify_receipt(e, &r, &impostor).is_err());
        // Structure alone holds without the key.
        assert!(check_receipt_structure(e, &r).is_ok());
    }
}

#[test]
fn receipt_beside_certificate_is_checked_by_verify() {
    let k = key(21);
    let tf = trust(&[(&k, "ressourcerie-pays-d-auge", "st-01")]);
    let dir = tempfile::tempdir().unwrap();
    let paths = write_chain(dir.path(), &k, 3);
    let mut log = Log::new();
    for p in &paths {
        log.tree.push(&std::fs::read(p).unwrap());
    }
    for (i, p) in paths.iter().enumerate() {
        let r = log.receipt(&std::fs::read(p).unwrap(), i as u64);
        let rp = ardoise_cert::verify::receipt_path_for(p);
        assert!(rp.to_string_lossy().ends_with(".receipt.json"));
        std::fs::write(rp, r.to_bytes()).unwrap();
    }
    let with_key = VerifyOptions {
        registry_key: Some(log.signer.verifier()),
        ..Default::default()
    };
    let r = verify_files(&paths, &tf, &with_key);
    assert!(r.ok, "{}", r.to_text());
    for v in &r.certificates {
        let c = v.checks.iter().find(|c| c.name == "receipt").unwrap();
        assert_eq!(c.status, CheckStatus::Pass, "{}", c.detail);
    }

    let r = verify_files(&paths, &tf, &VerifyOptions::default());
    assert!(r.ok);
    let c = r.certificates[0]
        .checks
        .iter()
        .find(|c| c.name == "receipt")
        .unwrap();
    assert_eq!(c.status, CheckStatus::Warn);

    // A receipt for another certificate makes the verdict invalid.
    std::fs::copy(
        ardoise_cert::verify::receipt_path_for(&paths[1]),
        ardoise_cert::verify::receipt_path_for(&paths[0]),
    )
    .unwrap();
    let r = verify_files(&paths, &tf, &with_key);
    assert_eq!(r.certificates[0].verdict, Verdict::Invalid);
    assert_eq!(r.certificates[1].verdict, Verdict::Valid);
}

#[test]
fn checkpoint_consistency_between_two_checkpoints() {
    let mut log = Log::new();
    for i in 0..7 {
        log.tree.push(format!("e{i}").as_bytes());
    }
    let old = log.checkpoint();
    for i in 7..20 {
        log.tree.push(format!("e{i}").as_bytes());
    }
    let new = log.checkpoint();
    let proof: Vec<String> = log
        .tree
        .consistency_proof(7, 20)
        .unwrap()
        .iter()
        .map(hex::encode)
        .collect();
    let key = log.signer.verifier();
    let (a, b) = verify_checkpoint_consistency(&old, &new, &proof, &key).unwrap();
    assert_eq!((a.size, b.size), (7, 20));

    // A log that rewrote entry 3 cannot prove consistency with the old checkpoint.
    let mut forked = MerkleTree::new();
    for i in 0..20 {
        forked.push(
            if i == 3 {
                b"rewritten".to_vec()
            } else {
                format!("e{i}").into_bytes()
            }
            .as_slice(),
        );
    }
    let forged_new = Checkpoint {
        origin: ORIGIN.into(),
        size: 20,
        root: forked.root(),
        extensions: vec![],
    }
    .sign(&log.signer)
    .unwrap();
    let forged_proof: Vec<String> = forked
        .consistency_proof(7, 20)
        .unwrap()
        .iter()
        .map(hex::encode)
        .collect();
    assert!(verify_checkpoint_consistency(&old, &forged_new, &forged_proof, &key).is_err());
    assert!(verify_checkpoint_consistency(&old, &forged_new, &proof, &key).is_err());
}

#[test]
fn verify_can_require_witnesses_to_have_cosigned_each_receipt() {
    use ardoise_cert::cosign::{with_cosignatures, WitnessSigner};
    let k = key(23);
    let tf = trust(&[(&k, "ressourcerie-pays-d-auge", "st-01")]);
    let dir = tempfile::tempdir().unwrap();
    let paths = write_chain(dir.path(), &k, 2);
    let mut log = Log::new();
    for p in &paths {
        log.tree.push(&std::fs::read(p).unwrap());
    }
    let w1 = WitnessSigner::new("witness.example/w1", &[7; 32]).unwrap();
    let w2 = WitnessSigner::new("witness.example/w2", &[6; 32]).unwrap();
    for (i, p) in paths.iter().enumerate() {
        let mut r = log.receipt(&std::fs::read(p).unwrap(), i as u64);
        // The first receipt's checkpoint is cosigned by w1 only, the second's by nobody.
        if i == 0 {
            let text = r.checkpoint.split_once("\n\n").unwrap().0.to_string() + "\n";
            r.checkpoint = with_cosignatures(&r.checkpoint, &[w1.cosign(&text, 1_700_000_000)]);
        }
        std::fs::write(ardoise_cert::verify::receipt_path_for(p), r.to_bytes()).unwrap();
    }
    let options = |k: usize| VerifyOptions {
        registry_key: Some(log.signer.verifier()),
        witnesses: vec![w1.verifier(), w2.verifier()],
        witnesses_required: k,
        ..Default::default()
    };
    let receipt_check = |r: &ardoise_cert::verify::VerifyReport, i: usize| {
        r.certificates[i]
            .checks
            .iter()
            .find(|c| c.name == "receipt")
            .unwrap()
            .clone()
    };
    let r = verify_files(&paths, &tf, &options(1));
    let c = receipt_check(&r, 0);
    assert_eq!(c.status, CheckStatus::Pass, "{}", c.detail);
    assert!(
        c.detail.contains("cosigned by witness.example/w1"),
        "{}",
        c.detail
    );
    let c = receipt_check(&r, 1);
    assert_eq!(c.status, CheckStatus::Fail, "{}", c.detail);
    assert!(
        c.detail.contains("0 of the trusted witnesses"),
        "{}",
        c.detail
    );
    assert_eq!(r.certificates[1].verdict, Verdict::Invalid);
    // Two required: one cosignature is not enough.
    let r = verify_files(&paths, &tf, &options(2));
    assert_eq!(receipt_check(&r, 0).status, CheckStatus::Fail);
    // Without witnesses, both receipts pass on the registry key alone.
    let r = verify_files(
        &paths,
        &tf,
        &VerifyOptions {
            registry_key: Some(log.signer.verifier()),
            ..Default::default()
        },
    );
    assert!(r.ok, "{}", r.to_text());
}
