//! Step 1: the language.

use crossterm::event::{KeyCode, KeyEvent};

use super::{App, Command};
use crate::i18n::Language;

impl App {
    pub(super) fn language_key(&mut self, key: KeyEvent) -> Vec<Command> {
        match key.code {
            KeyCode::Up | KeyCode::Down | KeyCode::Left | KeyCode::Right | KeyCode::Tab => {
                self.lang_cursor = 1 - self.lang_cursor;
                self.lang = if self.lang_cursor == 0 {
                    Language::Fr
                } else {
                    Language::En
                };
            }
            KeyCode::Char('f') | KeyCode::Char('F') => {
                self.lang_cursor = 0;
                self.lang = Language::Fr;
            }
            KeyCode::Char('e') | KeyCode::Char('E') => {
                self.lang_cursor = 1;
                self.lang = Language::En;
            }
            KeyCode::Enter => self.after_language(),
            KeyCode::Char('k') | KeyCode::Char('K') => return self.keep_remembered(),
            KeyCode::Char('q') | KeyCode::Char('Q') | KeyCode::Esc => return self.ask_quit(),
            _ => {}
        }
        Vec::new()
    }
}
