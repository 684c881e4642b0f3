//! Step 3: the machine (its second page, the destination, is `app/destination.rs`).

use crossterm::event::{KeyCode, KeyEvent};

use super::{App, Command, Screen};

impl App {
    pub(super) fn machine_key(&mut self, key: KeyEvent) -> Vec<Command> {
        match key.code {
            KeyCode::Enter => {
                // The destination page next; the disks are probed meanwhile.
                self.screen = Screen::Destination;
                if self.disks.is_empty() && !self.scanning {
                    return vec![self.start_scan()];
                }
            }
            KeyCode::Esc => self.screen = Screen::Operator,
            KeyCode::Char('e') | KeyCode::Char('E') => return self.open_export(),
            KeyCode::Char('r') | KeyCode::Char('R') => return vec![Command::CheckRegistry],
            KeyCode::Char('q') | KeyCode::Char('Q') => return self.ask_quit(),
            _ => {}
        }
        Vec::new()
    }
}
