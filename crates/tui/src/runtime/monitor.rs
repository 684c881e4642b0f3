//! The network and registry watcher.

use crossbeam_channel::{unbounded, Sender};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::Msg;
use crate::app::AppEvent;
use crate::screen_data::{NetState, RegistryState};

/// What the network watcher is told.
pub(super) enum MonitorCmd {
    /// The registry to check (known once the station is open).
    Registry(Option<String>),
    /// Check the registry now.
    Check,
}

/// The network and registry watcher: leases every 2 s, the registry's health every 30 s and
/// whenever asked.
pub(super) fn spawn_monitor(tx: Sender<Msg>) -> Sender<MonitorCmd> {
    let (cmd_tx, cmd_rx) = unbounded::<MonitorCmd>();
    std::thread::Builder::new()
        .name("monitor".into())
        .spawn(move || {
            let net_dir = std::env::var_os("ARDOISE_NET_DIR")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from);
            let mut registry: Option<String> = None;
            let mut last_net = None;
            let mut last_check: Option<Instant> = None;
            loop {
                let mut check = false;
                match cmd_rx.recv_timeout(Duration::from_secs(2)) {
                    Ok(MonitorCmd::Registry(r)) => {
                        registry = r;
                        check = true;
                    }
                    Ok(MonitorCmd::Check) => check = true,
                    Err(crossbeam_channel::RecvTimeoutError::Timeout) => {}
                    Err(_) => return,
                }
                let net = crate::net::read_leases(net_dir.as_deref());
                if last_net.as_ref() != Some(&net) {
                    if tx
                        .send(Msg::App(Box::new(AppEvent::Net(net.clone()))))
                        .is_err()
                    {
                        return;
                    }
                    // A network that just came up: look at the registry again.
                    check |= matches!(net, NetState::Up { .. });
                    last_net = Some(net);
                }
                let due = last_check.is_some_and(|t| t.elapsed() > Duration::from_secs(30));
                if (check || due) && registry.is_some() {
                    let state = match &registry {
                        None => RegistryState::NotConfigured,
                        Some(u) => crate::net::check_registry(u, Duration::from_secs(3)),
                    };
                    last_check = Some(Instant::now());
                    if tx
                        .send(Msg::App(Box::new(AppEvent::Registry(state))))
                        .is_err()
                    {
                        return;
                    }
                }
            }
        })
        .expect("spawn the monitor");
    cmd_tx
}
