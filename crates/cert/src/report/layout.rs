//! The page layout of the report: a cursor running down A4 pages that continue on a new
//! page (title repeated) when a block does not fit, and the blocks it draws.

use super::pdf::{Font, Page, Rgb, BLACK, PAGE_HEIGHT, PAGE_WIDTH, WHITE};
use super::text::wrap;
use super::texts::Text;
use super::Language;

// Page geometry, in points, and the colours of the report.
pub(super) const MARGIN: f32 = 45.0;
pub(super) const TOP: f32 = PAGE_HEIGHT - 45.0;
pub(super) const BOTTOM: f32 = 52.0;
pub(super) const LABEL_WIDTH: f32 = 150.0;
pub(super) const ROW_SIZE: f32 = 8.5;
pub(super) const ROW_LEAD: f32 = 10.5;
pub(super) const GREY: Rgb = Rgb(0.4, 0.4, 0.4);
pub(super) const GREEN: Rgb = Rgb(0.11, 0.48, 0.24);
pub(super) const RED: Rgb = Rgb(0.75, 0.08, 0.08);
pub(super) const AMBER: Rgb = Rgb(0.80, 0.47, 0.0);
pub(super) const LIGHT: Rgb = Rgb(0.93, 0.93, 0.93);

/// Pages being laid out, each with a footer tag (certificate id or machine).
pub(super) struct Doc {
    pub(super) lang: Language,
    pub(super) pages: Vec<(Page, String)>,
    pub(super) y: f32,
    /// Title repeated on continuation pages.
    continuation: String,
    tag: String,
}

impl Doc {
    pub(super) fn new(lang: Language) -> Doc {
        Doc {
            lang,
            pages: Vec::new(),
            y: TOP,
            continuation: String::new(),
            tag: String::new(),
        }
    }

    pub(super) fn page(&mut self) -> &mut Page {
        &mut self.pages.last_mut().expect("a page was started").0
    }

    pub(super) fn start_page(&mut self, continuation: &str, tag: &str) {
        self.pages.push((Page::new(), tag.to_string()));
        self.continuation = continuation.to_string();
        self.tag = tag.to_string();
        self.y = TOP;
    }

    /// Makes room for `h` points, continuing on a new page if needed.
    pub(super) fn ensure(&mut self, h: f32) {
        if self.y - h < BOTTOM {
            let title = format!("{} ({})", self.continuation, Text::Continued.get(self.lang));
            let tag = self.tag.clone();
            let cont = self.continuation.clone();
            self.start_page(&cont, &tag);
            let y = self.y - 12.0;
            self.page().text(MARGIN, y, Font::Bold, 12.0, BLACK, &title);
            self.y -= 28.0;
        }
    }

    pub(super) fn heading(&mut self, text: &str) {
        self.ensure(30.0);
        self.y -= 11.0;
        let y = self.y;
        self.page().text(MARGIN, y, Font::Bold, 10.5, BLACK, text);
        self.y -= 3.5;
        let y = self.y;
        self.page()
            .line(MARGIN, y, PAGE_WIDTH - MARGIN, y, 0.6, GREY);
        self.y -= 10.5;
    }

    /// A label and a (wrapped) value.
    pub(super) fn row(&mut self, label: &str, value: &str) {
        let width = PAGE_WIDTH - 2.0 * MARGIN - LABEL_WIDTH;
        let lines = wrap(value, Font::Regular, ROW_SIZE, width);
        let label_lines = wrap(label, Font::Bold, ROW_SIZE, LABEL_WIDTH - 8.0);
        let n = lines.len().max(label_lines.len()).max(1);
        self.ensure(n as f32 * ROW_LEAD);
        for (i, l) in label_lines.iter().enumerate() {
            let y = self.y - i as f32 * ROW_LEAD;
            self.page().text(MARGIN, y, Font::Bold, ROW_SIZE, GREY, l);
        }
        for (i, l) in lines.iter().enumerate() {
            let y = self.y - i as f32 * ROW_LEAD;
            self.page()
                .text(MARGIN + LABEL_WIDTH, y, Font::Regular, ROW_SIZE, BLACK, l);
        }
        self.y -= n as f32 * ROW_LEAD;
    }

    pub(super) fn paragraph(&mut self, text: &str, size: f32, color: Rgb) {
        for l in wrap(text, Font::Regular, size, PAGE_WIDTH - 2.0 * MARGIN) {
            self.ensure(size + 3.0);
            let y = self.y;
            self.page().text(MARGIN, y, Font::Regular, size, color, &l);
            self.y -= size + 3.0;
        }
    }

    /// A full-width coloured banner with a bold first line and smaller lines below.
    pub(super) fn banner(&mut self, color: Rgb, title: &str, lines: &[String]) {
        let width = PAGE_WIDTH - 2.0 * MARGIN - 16.0;
        let title_lines = wrap(title, Font::Bold, 12.0, width);
        let body: Vec<String> = lines
            .iter()
            .flat_map(|l| wrap(l, Font::Regular, 9.0, width))
            .collect();
        let h = 12.0 + title_lines.len() as f32 * 15.0 + body.len() as f32 * 11.5;
        self.ensure(h + 8.0);
        let top = self.y;
        self.page()
            .fill_rect(MARGIN, top - h, PAGE_WIDTH - 2.0 * MARGIN, h, color);
        let mut y = top - 18.0;
        for l in &title_lines {
            self.page()
                .text(MARGIN + 8.0, y, Font::Bold, 12.0, WHITE, l);
            y -= 15.0;
        }
        for l in &body {
            self.page()
                .text(MARGIN + 8.0, y + 2.0, Font::Regular, 9.0, WHITE, l);
            y -= 11.5;
        }
        self.y = top - h - 10.0;
    }
}
