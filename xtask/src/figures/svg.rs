//! A small SVG writer: the few shapes the figures use, text escaped, numbers printed the same
//! way every run (so the tracked files are deterministic).

use std::fmt::Write as _;

/// Font used by every figure (a generic family: no external assets).
const FONT: &str = "font-family=\"DejaVu Sans, Verdana, Arial, sans-serif\"";

/// Escapes text for XML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(c),
        }
    }
    out
}

/// Horizontal anchoring of a text.
#[derive(Clone, Copy)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

impl Anchor {
    fn attribute(self) -> &'static str {
        match self {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        }
    }
}

/// An SVG document being built.
pub struct Svg {
    width: u32,
    height: u32,
    body: String,
}

impl Svg {
    pub fn new(width: u32, height: u32) -> Self {
        Svg {
            width,
            height,
            body: String::new(),
        }
    }

    /// The figure's title: bold, centred at the top.
    pub fn title(&mut self, text: &str) {
        self.text(
            self.width as i32 / 2,
            30,
            18,
            Anchor::Middle,
            true,
            "#000000",
            text,
        );
    }

    /// Column headings under the title: each `(x, width, heading)` centred over its column.
    pub fn column_headings(&mut self, columns: &[(i32, i32, &str)]) {
        for &(x, w, heading) in columns {
            self.text(x + w / 2, 70, 13, Anchor::Middle, true, "#444444", heading);
        }
    }

    /// A rectangle with rounded corners `radius`.
    #[allow(clippy::too_many_arguments)]
    pub fn rect(&mut self, x: i32, y: i32, w: i32, h: i32, radius: i32, fill: &str, stroke: &str) {
        let _ = writeln!(
            self.body,
            "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" rx=\"{radius}\" fill=\"{fill}\" stroke=\"{stroke}\"/>"
        );
    }

    /// A circle.
    pub fn circle(&mut self, cx: i32, cy: i32, r: i32, fill: &str, stroke: &str) {
        let _ = writeln!(
            self.body,
            "<circle cx=\"{cx}\" cy=\"{cy}\" r=\"{r}\" fill=\"{fill}\" stroke=\"{stroke}\"/>"
        );
    }

    /// A straight line; `dashed` draws it dashed.
    #[allow(clippy::too_many_arguments)]
    pub fn line(
        &mut self,
        x1: i32,
        y1: i32,
        x2: i32,
        y2: i32,
        stroke: &str,
        width: u32,
        dashed: bool,
    ) {
        let dash = if dashed {
            " stroke-dasharray=\"5 4\""
        } else {
            ""
        };
        let _ = writeln!(
            self.body,
            "<line x1=\"{x1}\" y1=\"{y1}\" x2=\"{x2}\" y2=\"{y2}\" stroke=\"{stroke}\" stroke-width=\"{width}\"{dash}/>"
        );
    }

    /// A horizontal-then-vertical-then-horizontal connector from (x1, y1) to (x2, y2), with
    /// an arrow head at the end.
    pub fn connector(&mut self, x1: i32, y1: i32, x2: i32, y2: i32, stroke: &str, dashed: bool) {
        self.connector_via((x1 + x2) / 2, x1, y1, x2, y2, stroke, dashed);
    }

    /// [`Svg::connector`] with its vertical part at `mid`.
    #[allow(clippy::too_many_arguments)]
    pub fn connector_via(
        &mut self,
        mid: i32,
        x1: i32,
        y1: i32,
        x2: i32,
        y2: i32,
        stroke: &str,
        dashed: bool,
    ) {
        let dash = if dashed {
            " stroke-dasharray=\"5 4\""
        } else {
            ""
        };
        let _ = writeln!(
            self.body,
            "<path d=\"M{x1},{y1} H{mid} V{y2} H{}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"1.5\"{dash}/>",
            x2 - 6
        );
        let _ = writeln!(
            self.body,
            "<path d=\"M{},{} L{x2},{y2} L{},{} Z\" fill=\"{stroke}\"/>",
            x2 - 7,
            y2 - 4,
            x2 - 7,
            y2 + 4
        );
    }

    /// A straight arrow from (x1, y1) to (x2, y2), its head at the end.
    pub fn arrow(&mut self, x1: i32, y1: i32, x2: i32, y2: i32, stroke: &str) {
        let (dx, dy) = (f64::from(x2 - x1), f64::from(y2 - y1));
        let length = (dx * dx + dy * dy).sqrt().max(1.0);
        let (ux, uy) = (dx / length, dy / length);
        let (bx, by) = (f64::from(x2) - 8.0 * ux, f64::from(y2) - 8.0 * uy);
        let _ = writeln!(
            self.body,
            "<line x1=\"{x1}\" y1=\"{y1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"{stroke}\" stroke-width=\"1.5\"/>",
            bx, by
        );
        let _ = writeln!(
            self.body,
            "<path d=\"M{x2},{y2} L{:.1},{:.1} L{:.1},{:.1} Z\" fill=\"{stroke}\"/>",
            bx - 4.0 * uy,
            by + 4.0 * ux,
            bx + 4.0 * uy,
            by - 4.0 * ux
        );
    }

    /// One line of text at (x, y) (baseline), `size` px, optionally bold, in `fill`.
    #[allow(clippy::too_many_arguments)]
    pub fn text(
        &mut self,
        x: i32,
        y: i32,
        size: u32,
        anchor: Anchor,
        bold: bool,
        fill: &str,
        text: &str,
    ) {
        let weight = if bold { " font-weight=\"bold\"" } else { "" };
        let _ = writeln!(
            self.body,
            "<text x=\"{x}\" y=\"{y}\" font-size=\"{size}\" text-anchor=\"{}\" fill=\"{fill}\"{weight}>{}</text>",
            anchor.attribute(),
            escape(text)
        );
    }

    /// A tooltip-carrying group start (`<g>` with a `<title>`), closed by [`Svg::end_group`].
    pub fn group_with_title(&mut self, title: &str) {
        let _ = writeln!(self.body, "<g><title>{}</title>", escape(title));
    }

    pub fn end_group(&mut self) {
        self.body.push_str("</g>\n");
    }

    /// The finished document, with a title and a description for screen readers.
    pub fn finish(self, title: &str, description: &str) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <!-- Generated by `cargo xtask figures`; do not edit. -->\n\
             <svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" {FONT} role=\"img\">\n\
             <title>{}</title>\n<desc>{}</desc>\n\
             <rect x=\"0\" y=\"0\" width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>\n{}</svg>\n",
            escape(title),
            escape(description),
            self.body,
            w = self.width,
            h = self.height,
        )
    }
}

/// Width in px of `text` at `size` px in a sans-serif font, estimated (for layout only).
pub fn text_width(text: &str, size: u32) -> i32 {
    (text.chars().count() as f64 * size as f64 * 0.6).ceil() as i32
}
