//! The register browser: static HTML generated from `svd/apq8016.svd`. An index page (the
//! peripherals, their base addresses, interrupts and the HAL modules that use them, and a
//! search box), one page per peripheral (every register with offset, address, reset value,
//! access and description; every field with its bits, access, reset value, description and
//! enumerated values), a generated search index and a small script that searches it.
//!
//! Design notes:
//! - No external assets and no network: one style sheet and two scripts, written beside the
//!   pages. The index is a JavaScript file assigning one JSON array (`window.REGISTER_INDEX
//!   = [...];`), so the pages work from `file://`, where browsers refuse to fetch JSON.
//! - Anchors: a register is `PERIPHERAL.html#REGISTER` (a cluster's registers
//!   `#CLUSTER.REGISTER`), a field `#REGISTER.FIELD`.
//! - "Used by" is the source scan of [`super::usage`] (the method is printed on the index
//!   page).

use super::svd_model::{self, Device, Peripheral, Register};
use super::svg::escape;
use super::usage;
use anyhow::{Context, Result};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Prefix and suffix of `search-index.js` around the JSON array.
pub const INDEX_PREFIX: &str = "window.REGISTER_INDEX = ";
pub const INDEX_SUFFIX: &str = ";\n";

const STYLE: &str = "\
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 70em; padding: 1em; color: #111; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; width: 100%; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
code, .mono { font-family: ui-monospace, monospace; }
.register { border-top: 2px solid #1f5fbf; margin-top: 1.5em; }
.muted { color: #666; }
#search { font-size: 1.1em; padding: 0.3em; width: 100%; box-sizing: border-box; }
#results li { margin: 0.2em 0; }
:target { background: #fff4d6; }
";

const SEARCH_SCRIPT: &str = "\
// Searches window.REGISTER_INDEX (search-index.js): every word typed must appear in an
// entry's name or description; peripherals first, then registers, then fields.
(function () {
  var box = document.getElementById('search');
  var list = document.getElementById('results');
  if (!box || !list) { return; }
  var rank = { peripheral: 0, register: 1, field: 2 };
  function show() {
    var words = box.value.toLowerCase().split(/\\s+/).filter(function (w) { return w; });
    list.innerHTML = '';
    if (words.length === 0) { return; }
    var hits = window.REGISTER_INDEX.filter(function (e) {
      var text = (e.name + ' ' + e.text).toLowerCase();
      return words.every(function (w) { return text.indexOf(w) >= 0; });
    });
    hits.sort(function (a, b) { return rank[a.kind] - rank[b.kind]; });
    hits.slice(0, 100).forEach(function (e) {
      var item = document.createElement('li');
      var link = document.createElement('a');
      link.href = e.url;
      link.textContent = e.name;
      item.appendChild(link);
      item.appendChild(document.createTextNode(' (' + e.kind + ') ' + e.text));
      list.appendChild(item);
    });
    if (hits.length > 100) {
      var more = document.createElement('li');
      more.textContent = (hits.length - 100) + ' more: type more of the name';
      list.appendChild(more);
    }
  }
  box.addEventListener('input', show);
  show();
})();
";

/// The search box and its result list, on every page.
const SEARCH_BOX: &str = "<p><input id=\"search\" type=\"search\" \
    placeholder=\"Search peripherals, registers, fields (e.g. uart csr, cbcr clk_off)\"></p>\n\
    <ul id=\"results\"></ul>\n";

/// One search index entry.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Entry {
    pub kind: String,
    pub name: String,
    pub text: String,
    pub url: String,
}

/// The page of a peripheral.
pub fn page_name(peripheral: &str) -> String {
    format!("{}.html", peripheral.to_lowercase())
}

fn hex(value: u64, bits: u32) -> String {
    let digits = (bits as usize).div_ceil(4).max(1);
    format!("0x{value:0digits$X}")
}

fn bits(msb: u32, lsb: u32) -> String {
    if msb == lsb {
        format!("{lsb}")
    } else {
        format!("{msb}:{lsb}")
    }
}

/// Everything the pages show, worked out once.
pub struct Browser {
    pub device: Device,
    /// Per peripheral (same order as `device.peripherals`): the modules using it.
    pub users: Vec<Vec<String>>,
}

impl Browser {
    pub fn load(root: &Path) -> Result<Browser> {
        let device = svd_model::load(root)?;
        let sources = usage::sources(root)?;
        let users = device
            .peripherals
            .iter()
            .map(|p| usage::modules_using_peripheral(&sources, &p.name))
            .collect();
        Ok(Browser { device, users })
    }

    /// The search index: every peripheral, register and field.
    pub fn index(&self) -> Vec<Entry> {
        let mut entries = Vec::new();
        for peripheral in &self.device.peripherals {
            let page = page_name(&peripheral.name);
            entries.push(Entry {
                kind: "peripheral".to_owned(),
                name: peripheral.name.clone(),
                text: peripheral.description.clone(),
                url: page.clone(),
            });
            for register in &peripheral.registers {
                entries.push(Entry {
                    kind: "register".to_owned(),
                    name: format!("{}.{}", peripheral.name, register.name),
                    text: register.description.clone(),
                    url: format!("{page}#{}", register.name),
                });
                for field in &register.fields {
                    entries.push(Entry {
                        kind: "field".to_owned(),
                        name: format!("{}.{}.{}", peripheral.name, register.name, field.name),
                        text: field.description.clone(),
                        url: format!("{page}#{}.{}", register.name, field.name),
                    });
                }
            }
        }
        entries
    }

    /// (file name, contents) of every file of the browser.
    pub fn files(&self) -> Result<Vec<(String, String)>> {
        let mut files = vec![
            ("index.html".to_owned(), self.index_page()),
            ("style.css".to_owned(), STYLE.to_owned()),
            ("search.js".to_owned(), SEARCH_SCRIPT.to_owned()),
            (
                "search-index.js".to_owned(),
                format!(
                    "{INDEX_PREFIX}{}{INDEX_SUFFIX}",
                    serde_json::to_string(&self.index()).context("writing the search index")?
                ),
            ),
        ];
        for (peripheral, users) in self.device.peripherals.iter().zip(&self.users) {
            files.push((
                page_name(&peripheral.name),
                self.peripheral_page(peripheral, users),
            ));
        }
        Ok(files)
    }

    fn index_page(&self) -> String {
        let mut body = String::new();
        let _ = writeln!(
            body,
            "<h1>{} registers</h1>\n<p>{}</p>\n\
             <p>Generated from <code>{}</code> by <code>cargo xtask figures --registers OUT</code>. \
             Every peripheral the SVD (and so the PAC, <code>apq8016_pac</code>) describes.</p>\n\
             {SEARCH_BOX}",
            escape(&self.device.name),
            escape(&self.device.description),
            svd_model::SVD_PATH
        );
        body.push_str(
            "<table>\n<tr><th>peripheral</th><th>base</th><th>registers</th><th>interrupts</th>\
             <th>used by (HAL / board crate modules)</th><th>description</th></tr>\n",
        );
        for (peripheral, users) in self.device.peripherals.iter().zip(&self.users) {
            let interrupts: Vec<String> = peripheral
                .interrupts
                .iter()
                .map(|i| format!("{} (ID {})", escape(&i.name), i.value))
                .collect();
            let derived = peripheral
                .derived_from
                .as_ref()
                .map(|d| format!(" <span class=\"muted\">(like {})</span>", escape(d)))
                .unwrap_or_default();
            let _ = writeln!(
                body,
                "<tr><td><a href=\"{}\">{}</a>{derived}</td><td class=\"mono\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                page_name(&peripheral.name),
                escape(&peripheral.name),
                hex(peripheral.base_address, 32),
                peripheral.registers.len(),
                interrupts.join("<br>"),
                users_cell(users),
                escape(&peripheral.description)
            );
        }
        body.push_str("</table>\n");
        body.push_str(
            "<h2>How \"used by\" is found</h2>\n<p>Every source file of <code>apq8016-hal</code> \
             (<code>hal/apq8016/src</code>) and of the board crate <code>db410c</code> \
             (<code>bsp/db410c/src</code>) is read without its comments and its unit tests, and \
             searched for the peripheral's PAC type as a whole word (<code>pac::BLSP1_UART2</code>, \
             not <code>Interrupt::BLSP1_UART2</code>) or its register-block module \
             (<code>pac::gcc::</code>). The module is the file's path \
             (<code>uart/config.rs</code> is <code>apq8016_hal::uart::config</code>).</p>\n",
        );
        page("Register browser", &body)
    }

    fn peripheral_page(&self, peripheral: &Peripheral, users: &[String]) -> String {
        let mut body = String::new();
        let _ = writeln!(
            body,
            "<p><a href=\"index.html\">All peripherals</a></p>\n{SEARCH_BOX}<h1>{}</h1>\n<p>{}</p>\n<ul>\
             <li>base address <code>{}</code></li>",
            escape(&peripheral.name),
            escape(&peripheral.description),
            hex(peripheral.base_address, 32)
        );
        if let Some(group) = &peripheral.group {
            let _ = writeln!(body, "<li>group {}</li>", escape(group));
        }
        if let Some(derived) = &peripheral.derived_from {
            let _ = writeln!(
                body,
                "<li>same registers as <a href=\"{}\">{}</a></li>",
                page_name(derived),
                escape(derived)
            );
        }
        for interrupt in &peripheral.interrupts {
            let _ = writeln!(
                body,
                "<li>interrupt {} = GIC ID {}: {}</li>",
                escape(&interrupt.name),
                interrupt.value,
                escape(&interrupt.description)
            );
        }
        let _ = writeln!(
            body,
            "<li>used by: {}</li>\n<li>PAC: <code>apq8016_pac::{}</code></li>\n</ul>",
            users_cell(users),
            escape(&peripheral.name)
        );
        body.push_str(
            "<table>\n<tr><th>register</th><th>offset</th><th>address</th><th>reset</th>\
             <th>access</th><th>description</th></tr>\n",
        );
        for register in &peripheral.registers {
            let _ = writeln!(
                body,
                "<tr><td><a href=\"#{0}\">{0}</a></td><td class=\"mono\">{1}</td><td class=\"mono\">{2}</td><td class=\"mono\">{3}</td><td>{4}</td><td>{5}</td></tr>",
                escape(&register.name),
                hex(register.offset, 16),
                hex(peripheral.base_address + register.offset, 32),
                hex(register.reset_value, register.size_bits),
                register.access,
                escape(&register.description)
            );
        }
        body.push_str("</table>\n");
        for register in &peripheral.registers {
            register_section(&mut body, peripheral, register);
        }
        page(&peripheral.name, &body)
    }
}

fn users_cell(users: &[String]) -> String {
    if users.is_empty() {
        "<span class=\"muted\">no module yet</span>".to_owned()
    } else {
        users
            .iter()
            .map(|u| format!("<code>{}</code>", escape(u)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn register_section(body: &mut String, peripheral: &Peripheral, register: &Register) {
    let _ = writeln!(
        body,
        "<section class=\"register\" id=\"{}\">\n<h2>{}</h2>\n<p><code>{}</code> at offset \
         <code>{}</code> (address <code>{}</code>), {} bits, reset <code>{}</code>, {}.</p>\n<p>{}</p>",
        escape(&register.name),
        escape(&register.name),
        escape(&format!("{}.{}", peripheral.name, register.name)),
        hex(register.offset, 16),
        hex(peripheral.base_address + register.offset, 32),
        register.size_bits,
        hex(register.reset_value, register.size_bits),
        register.access,
        escape(&register.description)
    );
    if register.fields.is_empty() {
        body.push_str("<p class=\"muted\">No fields: the register is one value.</p>\n</section>\n");
        return;
    }
    body.push_str(
        "<table>\n<tr><th>field</th><th>bits</th><th>access</th><th>reset</th><th>description</th></tr>\n",
    );
    for field in &register.fields {
        let mut description = escape(&field.description);
        if !field.values.is_empty() {
            description.push_str("<ul>");
            for (name, value, text) in &field.values {
                let _ = write!(
                    description,
                    "<li><code>{value}</code> {}{}</li>",
                    escape(name),
                    if text.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", escape(text))
                    }
                );
            }
            description.push_str("</ul>");
        }
        let _ = writeln!(
            body,
            "<tr id=\"{}.{}\"><td>{}</td><td class=\"mono\">{}</td><td>{}</td><td class=\"mono\">{}</td><td>{}</td></tr>",
            escape(&register.name),
            escape(&field.name),
            escape(&field.name),
            bits(field.msb, field.lsb),
            field.access,
            hex(field.reset_value, field.msb - field.lsb + 1),
            description
        );
    }
    body.push_str("</table>\n</section>\n");
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{} - APQ8016E registers</title>\n<link rel=\"stylesheet\" href=\"style.css\">\n\
         </head>\n<body>\n{body}<script src=\"search-index.js\"></script>\n\
         <script src=\"search.js\"></script>\n</body>\n</html>\n",
        escape(title)
    )
}

/// Writes the browser into `out_dir`; returns the index page's path.
pub fn write(root: &Path, out_dir: &Path) -> Result<PathBuf> {
    let browser = Browser::load(root)?;
    std::fs::create_dir_all(out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    for (name, contents) in browser.files()? {
        let path = out_dir.join(&name);
        std::fs::write(&path, contents).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(out_dir.join("index.html"))
}
