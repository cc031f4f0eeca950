//! The SVD as the figures and the register browser need it: peripherals with their
//! registers (clusters flattened into `CLUSTER.REGISTER` names), fields, reset values, access
//! and interrupts. Parsed with `svd-parser` (the parser svd2rust uses for the PAC), with
//! `derivedFrom` resolved and register properties inherited, so a derived peripheral lists
//! its registers like any other.
//!
//! Design notes: the parser's expansion flattens clusters into `CLUSTER_REGISTER` names and
//! forgets which peripheral another derives from; a second parse without expansion gives
//! both back, so registers are named as the PAC reaches them (`CLUSTER.REGISTER`, i.e.
//! `gcc.cluster().register()`).

use anyhow::{Context, Result};
use std::path::Path;
use svd_rs::{Access, RegisterCluster};

/// The SVD, relative to the workspace root.
pub const SVD_PATH: &str = "svd/apq8016.svd";

pub struct Device {
    pub name: String,
    pub description: String,
    pub peripherals: Vec<Peripheral>,
}

pub struct Peripheral {
    pub name: String,
    pub base_address: u64,
    pub description: String,
    pub group: Option<String>,
    /// The peripheral this one copies its registers from, if any.
    pub derived_from: Option<String>,
    pub interrupts: Vec<Interrupt>,
    pub registers: Vec<Register>,
}

pub struct Interrupt {
    pub name: String,
    pub description: String,
    /// GIC interrupt ID (the SVD numbers interrupts by GIC ID: SPI n = 32 + n).
    pub value: u32,
}

pub struct Register {
    /// `NAME`, or `CLUSTER.NAME` inside a cluster.
    pub name: String,
    /// Offset from the peripheral's base.
    pub offset: u64,
    pub size_bits: u32,
    pub reset_value: u64,
    pub access: &'static str,
    pub description: String,
    pub fields: Vec<Field>,
}

pub struct Field {
    pub name: String,
    pub lsb: u32,
    pub msb: u32,
    pub access: &'static str,
    /// The field's bits of the register's reset value.
    pub reset_value: u64,
    pub description: String,
    /// Enumerated values: (name, value, description).
    pub values: Vec<(String, u64, String)>,
}

fn access_name(access: Option<Access>) -> &'static str {
    match access {
        Some(Access::ReadOnly) => "read-only",
        Some(Access::WriteOnly) => "write-only",
        Some(Access::ReadWrite) | None => "read-write",
        Some(Access::WriteOnce) => "write-once",
        Some(Access::ReadWriteOnce) => "read-write-once",
    }
}

/// One line of text from an SVD description (they may be wrapped over several lines).
fn tidy(text: Option<&String>) -> String {
    text.map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// Reads and parses the workspace's SVD.
pub fn load(root: &Path) -> Result<Device> {
    let path = root.join(SVD_PATH);
    let xml =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    parse(&xml)
}

/// Parses SVD text.
pub fn parse(xml: &str) -> Result<Device> {
    let config = svd_parser::Config::default()
        .expand(true)
        .expand_properties(true);
    let device = svd_parser::parse_with_config(xml, &config).context("parsing the SVD")?;
    let raw = svd_parser::parse_with_config(xml, &svd_parser::Config::default())
        .context("parsing the SVD")?;
    let derived_from = |name: &str| {
        raw.peripherals
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.derived_from.clone())
    };
    // Top-level cluster names of a peripheral (of the one it derives from, if it does).
    let clusters = |name: &str| -> Vec<String> {
        let own = raw.peripherals.iter().find(|p| p.name == name);
        let source = match own.and_then(|p| p.derived_from.as_deref()) {
            Some(base) => raw.peripherals.iter().find(|p| p.name == base),
            None => own,
        };
        source
            .and_then(|p| p.registers.as_ref())
            .map(|children| {
                children
                    .iter()
                    .filter_map(|c| match c {
                        RegisterCluster::Cluster(cluster) => Some(cluster.name.clone()),
                        RegisterCluster::Register(_) => None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut peripherals = Vec::new();
    for peripheral in &device.peripherals {
        let mut registers = Vec::new();
        if let Some(children) = &peripheral.registers {
            flatten(children, "", 0, &mut registers);
        }
        let mut cluster_names = clusters(&peripheral.name);
        // Longest first, so a cluster whose name starts with another's is found first.
        cluster_names.sort_by_key(|c| std::cmp::Reverse(c.len()));
        for register in &mut registers {
            if let Some(cluster) = cluster_names
                .iter()
                .find(|c| register.name.starts_with(&format!("{c}_")))
            {
                register.name = format!("{cluster}.{}", &register.name[cluster.len() + 1..]);
            }
        }
        registers.sort_by(|a, b| (a.offset, &a.name).cmp(&(b.offset, &b.name)));
        peripherals.push(Peripheral {
            name: peripheral.name.clone(),
            base_address: peripheral.base_address,
            description: tidy(peripheral.description.as_ref()),
            group: peripheral.group_name.clone(),
            derived_from: derived_from(&peripheral.name),
            interrupts: peripheral
                .interrupt
                .iter()
                .map(|i| Interrupt {
                    name: i.name.clone(),
                    description: tidy(i.description.as_ref()),
                    value: i.value,
                })
                .collect(),
            registers,
        });
    }
    peripherals.sort_by_key(|p| p.base_address);
    Ok(Device {
        name: device.name.clone(),
        description: tidy(Some(&device.description)),
        peripherals,
    })
}

fn flatten(children: &[RegisterCluster], prefix: &str, base: u64, out: &mut Vec<Register>) {
    for child in children {
        match child {
            RegisterCluster::Register(register) => {
                let reset = register.properties.reset_value.unwrap_or(0);
                let register_access = register.properties.access;
                let mut fields: Vec<Field> = register
                    .fields
                    .iter()
                    .flatten()
                    .map(|field| {
                        let (lsb, msb) = (field.bit_range.lsb(), field.bit_range.msb());
                        let width = msb - lsb + 1;
                        let mask = if width >= 64 {
                            u64::MAX
                        } else {
                            (1u64 << width) - 1
                        };
                        Field {
                            name: field.name.clone(),
                            lsb,
                            msb,
                            access: access_name(field.access.or(register_access)),
                            reset_value: (reset >> lsb) & mask,
                            description: tidy(field.description.as_ref()),
                            values: field
                                .enumerated_values
                                .iter()
                                .flat_map(|set| set.values.iter())
                                .filter_map(|v| {
                                    v.value.map(|value| {
                                        (v.name.clone(), value, tidy(v.description.as_ref()))
                                    })
                                })
                                .collect(),
                        }
                    })
                    .collect();
                fields.sort_by_key(|f| std::cmp::Reverse(f.lsb));
                out.push(Register {
                    name: format!("{prefix}{}", register.name),
                    offset: base + u64::from(register.address_offset),
                    size_bits: register.properties.size.unwrap_or(32),
                    reset_value: reset,
                    access: access_name(register_access),
                    description: tidy(register.description.as_ref()),
                    fields,
                });
            }
            RegisterCluster::Cluster(cluster) => {
                flatten(
                    &cluster.children,
                    &format!("{prefix}{}.", cluster.name),
                    base + u64::from(cluster.address_offset),
                    out,
                );
            }
        }
    }
}
