//! While the interface owns the terminal, anything written to stderr (tracing warnings of the
//! libraries, a stray message of a child process) would scribble over the screen. Standard error
//! is redirected into a pipe whose lines go to the log view, and put back afterwards.

use std::io::{BufRead, BufReader};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};

/// The redirection; [`StderrCapture::restore`] (or dropping it) puts stderr back.
pub struct StderrCapture {
    saved: Option<OwnedFd>,
}

impl StderrCapture {
    /// Redirects fd 2 into a pipe; each line read from it is given to `sink` on a thread.
    pub fn start(sink: impl Fn(String) + Send + 'static) -> std::io::Result<StderrCapture> {
        let saved = std::io::stderr().as_fd().try_clone_to_owned()?;
        let (reader, writer) = std::io::pipe()?;
        nix::unistd::dup2(writer.as_raw_fd(), 2).map_err(std::io::Error::from)?;
        drop(writer);
        std::thread::Builder::new()
            .name("stderr-capture".into())
            .spawn(move || {
                for line in BufReader::new(reader).lines() {
                    // A library may colour its output for the terminal it was given.
                    match line.map(|l| crate::problem::strip_ansi(&l)) {
                        Ok(l) if !l.trim().is_empty() => sink(l),
                        Ok(_) => {}
                        Err(_) => break,
                    }
                }
            })?;
        Ok(StderrCapture { saved: Some(saved) })
    }

    /// Puts the original stderr back.
    pub fn restore(&mut self) {
        if let Some(saved) = self.saved.take() {
            let _ = nix::unistd::dup2(saved.as_raw_fd(), 2);
        }
    }
}

impl Drop for StderrCapture {
    fn drop(&mut self) {
        self.restore();
    }
}
