//! Step 2: the operator, asset tag and lot, and the session they make.

use ardoise_station::{pseudonymous_operator_id, SessionInfo};
use crossterm::event::{KeyCode, KeyEvent};

use super::{App, Command, FlashKind, OpField, Screen, MAX_FIELD};
use crate::i18n::T;

impl App {
    fn operators(&self) -> &[(String, String)] {
        self.summary().map(|s| &s.operators[..]).unwrap_or(&[])
    }

    /// "Other" is selected (or the only choice).
    pub fn op_other(&self) -> bool {
        self.op.cursor >= self.operators().len()
    }

    fn op_fields(&self) -> Vec<OpField> {
        let mut v = vec![OpField::List];
        if self.op_other() {
            v.push(OpField::Name);
        }
        v.extend([OpField::Asset, OpField::Lot]);
        v
    }

    fn op_move(&mut self, forward: bool) {
        let fields = self.op_fields();
        let i = fields.iter().position(|f| *f == self.op_field).unwrap_or(0);
        let j = if forward {
            (i + 1).min(fields.len() - 1)
        } else {
            i.saturating_sub(1)
        };
        self.op_field = fields[j];
    }

    /// The session the technician described.
    pub fn session(&self) -> Option<SessionInfo> {
        let s = self.summary()?;
        let operator_id = if self.op_other() {
            let name = self.op.name.trim();
            if name.is_empty() {
                return None;
            }
            pseudonymous_operator_id(&s.workshop_id, name)
        } else {
            s.operators[self.op.cursor].0.clone()
        };
        let opt = |v: &str| {
            let v = v.trim();
            (!v.is_empty()).then(|| v.to_string())
        };
        Some(SessionInfo {
            operator_id,
            asset_tag: opt(&self.op.asset),
            lot: opt(&self.op.lot),
            ..self.machine_session_fields()
        })
    }

    pub(super) fn operator_key(&mut self, key: KeyEvent) -> Vec<Command> {
        let n = self.operators().len() + 1;
        match key.code {
            KeyCode::Esc => {
                self.screen = Screen::Language;
                return Vec::new();
            }
            KeyCode::Tab => {
                self.op_move(true);
                return Vec::new();
            }
            KeyCode::BackTab => {
                self.op_move(false);
                return Vec::new();
            }
            _ => {}
        }
        match self.op_field {
            OpField::List => match key.code {
                KeyCode::Up => self.op.cursor = self.op.cursor.saturating_sub(1),
                KeyCode::Down => self.op.cursor = (self.op.cursor + 1).min(n - 1),
                KeyCode::Enter => self.op_move(true),
                _ => {}
            },
            field => {
                let text = match field {
                    OpField::Name => &mut self.op.name,
                    OpField::Asset => &mut self.op.asset,
                    _ => &mut self.op.lot,
                };
                match key.code {
                    KeyCode::Char(c) if !c.is_control() && text.chars().count() < MAX_FIELD => {
                        text.push(c);
                    }
                    KeyCode::Backspace => {
                        text.pop();
                    }
                    KeyCode::Up => self.op_move(false),
                    KeyCode::Down => self.op_move(true),
                    KeyCode::Enter if field == OpField::Lot => return self.operator_done(),
                    KeyCode::Enter => self.op_move(true),
                    _ => {}
                }
            }
        }
        Vec::new()
    }

    fn operator_done(&mut self) -> Vec<Command> {
        if self.session().is_none() {
            self.flash(FlashKind::Warn, self.t(T::OpNameRequired));
            self.op_field = OpField::Name;
            return Vec::new();
        }
        self.screen = Screen::Machine;
        let mut cmds = vec![Command::CheckRegistry];
        if self.disks.is_empty() && !self.scanning {
            cmds.push(self.start_scan());
        }
        cmds
    }
}
