//! A RAID controller's logical volume: overwritten like a disk, certified as a RAID volume
//! whose member disks were not sanitised one by one; the machine's controller survey goes
//! into the certificate.

use std::path::PathBuf;
use std::time::Duration;

use ardoise_cert::payload::{limitations, MediaType, OutcomeStatus};
use ardoise_disk::controllers::{
    ControllerBus, ControllerIssue, ControllerKind, StorageController, StorageSurvey,
};
use ardoise_disk::discovery::DiscoveryOptions;
use ardoise_disk::open::describe_target;
use ardoise_disk::sim::profile::{SimDeviceSpec, SimDisk};
use ardoise_disk::{open_disk, Access, MediaKind, Transport};
use ardoise_erase::job::{execute, prepare, JobRequest, VerifyChoice};
use ardoise_erase::overwrite::CancelToken;
use ardoise_station::{SessionInfo, Station, StationOptions};

#[test]
fn a_raid_volume_is_overwritten_and_its_certificate_says_the_members_were_not_reached() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(
        data.join("ardoise.toml"),
        "[workshop]\nid = \"ressourcerie-test\"\nname = \"R\"\nstation = \"st-09\"\n",
    )
    .unwrap();
    let st = Station::open(&StationOptions {
        data_dir: Some(data.clone()),
        create_key: true,
        persistent: Some(true),
        ..Default::default()
    })
    .unwrap();
    st.set_storage_survey(StorageSurvey {
        controllers: vec![StorageController {
            address: "0000:00:05.0".into(),
            bus: ControllerBus::Pci,
            kind: ControllerKind::Raid,
            vendor_id: Some("1000".into()),
            device_id: Some("0078".into()),
            description: "LSI / Broadcom".into(),
            driver: Some("megaraid_sas".into()),
            issue: Some(ControllerIssue::RaidVolumes { volumes: 1 }),
        }],
    });
    let spec = SimDeviceSpec::Block {
        model: "MegaRAID volume".into(),
        serial: "LD-0".into(),
        transport: Transport::Sas,
        media: MediaKind::RaidVolume,
    };
    let p = SimDisk::create(dir.path(), "ld0", spec, 512, 2048).unwrap();
    let info = describe_target(
        &DiscoveryOptions::default(),
        &PathBuf::from(format!("sim:{}", p.display())),
    )
    .unwrap();
    let disk = open_disk(&info, Access::ReadWrite).unwrap();
    let req = JobRequest {
        method: "auto".into(),
        verify: VerifyChoice::Full,
        firmware_poll: Duration::from_millis(5),
        ..Default::default()
    };
    let mut job = prepare(disk, req, st.vault().as_ref()).unwrap_or_else(|r| panic!("{}", r.error));
    assert!(!job.plan.method.is_firmware(), "{:?}", job.plan.method);
    let session = SessionInfo {
        operator_id: "op-1234abcd".into(),
        ..Default::default()
    };
    let marker = st.begin_erase(&mut job, &session).unwrap();
    let (tx, _rx) = crossbeam_channel::unbounded();
    let report = execute(job, &tx, &CancelToken::new(), st.vault().as_ref());
    let stored = st.certify(&report, &session, Some(&marker)).unwrap();
    let env = ardoise_cert::envelope::Envelope::parse(&stored.envelope_bytes).unwrap();
    let c = ardoise_cert::validate::parse_payload(&env.payload).unwrap();
    assert_eq!(c.outcome.status, OutcomeStatus::Erased);
    assert_eq!(c.media.media_type, MediaType::RaidVolume);
    let codes: Vec<&str> = c.limitations.iter().map(|l| l.code.as_str()).collect();
    assert!(
        codes.contains(&limitations::RAID_MEMBERS_NOT_SANITISED),
        "{codes:?}"
    );
    assert!(codes.contains(&limitations::HOST_READBACK_SPARE_FLASH));
    let storage = c.host.storage.expect("the survey is recorded");
    assert!(!storage.complete);
    assert_eq!(
        storage.controllers[0].issue,
        Some(ardoise_cert::host_storage::ControllerIssue::RaidVolumes)
    );
}
