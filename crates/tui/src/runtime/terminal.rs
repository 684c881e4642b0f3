//! The terminal: raw mode and the alternate screen, given back on exit and on a panic of the
//! interface thread.

use std::io::Write;

use crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};
use crossterm::{cursor, execute as term};
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

use super::TuiError;

pub(super) type Term = Terminal<CrosstermBackend<std::io::Stdout>>;

pub(super) fn setup_terminal() -> Result<Term, TuiError> {
    terminal::enable_raw_mode()?;
    let mut out = std::io::stdout();
    term!(out, EnterAlternateScreen, cursor::Hide)?;
    let backend = CrosstermBackend::new(std::io::stdout());
    // A serial console may report 0×0: draw 80×25 then.
    let size = terminal::size().unwrap_or((0, 0));
    let terminal = if size.0 == 0 || size.1 == 0 {
        Terminal::with_options(
            backend,
            TerminalOptions {
                viewport: Viewport::Fixed(Rect::new(0, 0, 80, 25)),
            },
        )?
    } else {
        Terminal::new(backend)?
    };
    Ok(terminal)
}

pub(super) fn restore_terminal() {
    let _ = terminal::disable_raw_mode();
    let mut out = std::io::stdout();
    let _ = term!(out, LeaveAlternateScreen, cursor::Show);
    let _ = out.flush();
}

pub(super) fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // A worker thread's panic is reported in the log (stderr is captured) and the
        // interface goes on; only the interface thread's own panic gives the terminal back.
        if std::thread::current().name() == Some("main") {
            restore_terminal();
        }
        previous(info);
    }));
}
