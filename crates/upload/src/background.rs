//! The uploader on a background thread, for the TUI: a pass every `interval` (and at once
//! when poked, e.g. after a new certificate), every step reported on a channel.

use std::path::PathBuf;
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{bounded, unbounded, Receiver, RecvTimeoutError, Sender};

use crate::client::{upload_pass, UploadEvent};
use crate::options::UploadOptions;

enum Command {
    Poke,
    Stop,
}

/// Handle on the background uploader. Dropping it stops the thread (after the current
/// request, whose timeout bounds the wait).
pub struct BackgroundUploader {
    events: Receiver<UploadEvent>,
    commands: Sender<Command>,
    thread: Option<JoinHandle<()>>,
}

impl BackgroundUploader {
    /// Progress events, in order. Ends with [`UploadEvent::Stopped`].
    pub fn events(&self) -> &Receiver<UploadEvent> {
        &self.events
    }

    /// Starts a pass now (e.g. a certificate was just issued).
    pub fn poke(&self) {
        let _ = self.commands.send(Command::Poke);
    }

    /// Stops the thread and waits for it.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        let _ = self.commands.send(Command::Stop);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for BackgroundUploader {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Starts the background uploader.
pub fn spawn_background(
    data_dir: PathBuf,
    registry_url: String,
    options: UploadOptions,
    interval: Duration,
) -> BackgroundUploader {
    let (ev_tx, ev_rx) = unbounded();
    let (cmd_tx, cmd_rx) = bounded::<Command>(16);
    let thread = std::thread::Builder::new()
        .name("ardoise-upload".into())
        .spawn(move || run(data_dir, registry_url, options, interval, ev_tx, cmd_rx))
        .expect("spawn upload thread");
    BackgroundUploader {
        events: ev_rx,
        commands: cmd_tx,
        thread: Some(thread),
    }
}

fn run(
    data_dir: PathBuf,
    registry_url: String,
    options: UploadOptions,
    interval: Duration,
    events: Sender<UploadEvent>,
    commands: Receiver<Command>,
) {
    let mut stopping = false;
    while !stopping {
        let mut on_event = |e: UploadEvent| {
            let _ = events.send(e);
        };
        // A backoff sleep that a Stop interrupts (a Poke only shortens it).
        let mut sleep = |d: Duration| match commands.recv_timeout(d) {
            Ok(Command::Stop) | Err(RecvTimeoutError::Disconnected) => {
                stopping = true;
                false
            }
            Ok(Command::Poke) | Err(RecvTimeoutError::Timeout) => true,
        };
        if let Err(e) = upload_pass(
            &data_dir,
            &registry_url,
            &options,
            &mut on_event,
            &mut sleep,
        ) {
            // Halted passes have already said why (UploadEvent::Halted).
            if !matches!(
                e,
                crate::UploadError::NoRegistryKey | crate::UploadError::LogAlarm { .. }
            ) {
                let _ = events.send(UploadEvent::StoreError {
                    message: e.to_string(),
                });
            }
        }
        if stopping {
            break;
        }
        match commands.recv_timeout(interval) {
            Ok(Command::Stop) | Err(RecvTimeoutError::Disconnected) => break,
            Ok(Command::Poke) | Err(RecvTimeoutError::Timeout) => {}
        }
    }
    let _ = events.send(UploadEvent::Stopped);
}
