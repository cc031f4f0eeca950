//! One test per kind of problem, each on a small SVD that is valid until one edit breaks it.

use super::{Problem, report, validate};

/// A valid device: two peripherals (one derived), registers, an array, a cluster, fields with
/// enumerated values.
const BASE: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<device schemaVersion="1.3">
  <name>TEST</name>
  <version>1</version>
  <description>test device</description>
  <addressUnitBits>8</addressUnitBits>
  <width>32</width>
  <size>32</size>
  <access>read-write</access>
  <peripherals>
    <peripheral>
      <name>UART</name>
      <baseAddress>0x1000</baseAddress>
      <addressBlock><offset>0</offset><size>0x100</size><usage>registers</usage></addressBlock>
      <registers>
        <register>
          <name>CTRL</name>
          <addressOffset>0x0</addressOffset>
          <fields>
            <field><name>EN</name><bitRange>[0:0]</bitRange></field>
            <field>
              <name>MODE</name>
              <bitRange>[3:1]</bitRange>
              <enumeratedValues>
                <enumeratedValue><name>OFF</name><value>0</value></enumeratedValue>
                <enumeratedValue><name>ON</name><value>1</value></enumeratedValue>
              </enumeratedValues>
            </field>
            <field><name>LEVEL</name><lsb>4</lsb><msb>11</msb></field>
          </fields>
        </register>
        <register>
          <name>DATA</name>
          <addressOffset>0x4</addressOffset>
        </register>
        <register>
          <dim>2</dim>
          <dimIncrement>4</dimIncrement>
          <name>FIFO[%s]</name>
          <addressOffset>0x10</addressOffset>
        </register>
        <cluster>
          <name>CH</name>
          <addressOffset>0x20</addressOffset>
          <register><name>A</name><addressOffset>0</addressOffset></register>
          <register><name>B</name><addressOffset>4</addressOffset></register>
        </cluster>
      </registers>
    </peripheral>
    <peripheral derivedFrom="UART">
      <name>UART2</name>
      <baseAddress>0x2000</baseAddress>
    </peripheral>
  </peripherals>
</device>
"#;

/// `BASE` with `from` replaced by `to` (which must occur exactly once).
fn edit(from: &str, to: &str) -> String {
    assert_eq!(
        BASE.matches(from).count(),
        1,
        "`{from}` is not unique in BASE"
    );
    BASE.replace(from, to)
}

/// The 1-based line of the first occurrence of `needle`.
fn line_of(text: &str, needle: &str) -> u32 {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` not in the SVD"));
    1 + text[..at].matches('\n').count() as u32
}

/// Validates `svd`, which must have exactly one problem, and returns it.
fn single_problem(svd: &str) -> Problem {
    let problems = validate(svd);
    assert_eq!(
        problems.len(),
        1,
        "expected one problem, got: {problems:#?}"
    );
    problems.into_iter().next().unwrap()
}

/// Asserts the problem is on `line`, with that path, saying `message`.
fn assert_problem(problem: &Problem, line: u32, path: &str, message: &str) {
    assert_eq!(problem.position.row, line, "{problem:#?}");
    assert_eq!(problem.path, path, "{problem:#?}");
    assert!(problem.message.contains(message), "{problem:#?}");
}

#[test]
fn the_base_and_the_real_svd_are_valid() {
    assert_eq!(validate(BASE), vec![]);
    let real = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../svd/apq8016.svd"),
    )
    .unwrap();
    assert_eq!(validate(&real), vec![]);
}

#[test]
fn malformed_xml_has_a_position() {
    let svd = edit("<name>DATA</name>", "<name>DATA</nmae>");
    let problem = single_problem(&svd);
    assert_problem(
        &problem,
        line_of(&svd, "DATA</nmae>"),
        "document",
        "malformed XML",
    );
}

#[test]
fn unknown_element() {
    let svd = edit(
        "<name>DATA</name>",
        "<name>DATA</name>\n          <colour>red</colour>",
    );
    let problem = single_problem(&svd);
    assert_problem(
        &problem,
        line_of(&svd, "<colour>"),
        "UART/DATA",
        "unknown element <colour>",
    );
}

#[test]
fn unknown_attribute() {
    let svd = edit(
        "<register>\n          <name>DATA",
        "<register kind=\"x\">\n          <name>DATA",
    );
    let problem = single_problem(&svd);
    assert_problem(
        &problem,
        line_of(&svd, "kind="),
        "UART/DATA",
        "unknown attribute `kind`",
    );
}

#[test]
fn missing_required_element() {
    let svd = edit("<addressOffset>0x4</addressOffset>", "");
    let problem = single_problem(&svd);
    assert_problem(
        &problem,
        line_of(&svd, "<name>DATA") - 1,
        "UART/DATA",
        "lacks the required <addressOffset>",
    );
}

#[test]
fn missing_bit_position() {
    let svd = edit("<bitRange>[0:0]</bitRange>", "");
    let problem = single_problem(&svd);
    assert_problem(
        &problem,
        line_of(&svd, "<name>EN"),
        "UART/CTRL/EN",
        "needs one of <bitRange>",
    );
}

#[test]
fn element_given_twice() {
    let svd = edit(
        "<name>DATA</name>",
        "<name>DATA</name>\n          <size>32</size>\n          <size>16</size>",
    );
    let problem = single_problem(&svd);
    assert_problem(
        &problem,
        line_of(&svd, "<size>16"),
        "UART/DATA",
        "<size> appears more than once",
    );
}

#[test]
fn value_that_is_not_a_number() {
    let svd = edit(
        "<baseAddress>0x2000</baseAddress>",
        "<baseAddress>0xZZ</baseAddress>",
    );
    let problem = single_problem(&svd);
    assert_problem(
        &problem,
        line_of(&svd, "0xZZ"),
        "UART2",
        "<baseAddress> `0xZZ` is not a number",
    );
}

#[test]
fn two_registers_at_one_offset() {
    let svd = edit(
        "<addressOffset>0x4</addressOffset>",
        "<addressOffset>0x0</addressOffset>",
    );
    let problem = single_problem(&svd);
    assert_problem(
        &problem,
        line_of(&svd, "<name>DATA") - 1,
        "UART/DATA",
        "overlaps register `CTRL`",
    );
}

#[test]
fn register_size_is_taken_into_account() {
    // A 64-bit CTRL at 0 covers DATA at 4.
    let svd = edit(
        "<name>CTRL</name>",
        "<name>CTRL</name>\n          <size>64</size>",
    );
    let problem = single_problem(&svd);
    assert_problem(
        &problem,
        line_of(&svd, "<name>DATA") - 1,
        "UART/DATA",
        "0x0..0x8",
    );
}

#[test]
fn register_array_overlaps_a_register() {
    // FIFO[0..3] at 0x10..0x20 runs into the cluster at 0x20 once it has 5 elements.
    let svd = edit("<dim>2</dim>", "<dim>5</dim>");
    let problem = single_problem(&svd);
    assert_problem(
        &problem,
        line_of(&svd, "<name>CH") - 1,
        "UART/CH",
        "overlaps register `FIFO[%s]`",
    );
}

#[test]
fn array_elements_overlapping_each_other() {
    let svd = edit(
        "<dimIncrement>4</dimIncrement>",
        "<dimIncrement>2</dimIncrement>",
    );
    let problem = single_problem(&svd);
    assert_problem(
        &problem,
        line_of(&svd, "<dim>") - 1,
        "UART/FIFO[%s]",
        "array elements overlap",
    );
}

#[test]
fn cluster_extent_is_taken_into_account() {
    // CH spans 0x20..0x28; a register at 0x24 in the peripheral collides with CH.B.
    let svd = edit(
        "<addressOffset>0x4</addressOffset>",
        "<addressOffset>0x24</addressOffset>",
    );
    let problem = single_problem(&svd);
    assert_problem(
        &problem,
        line_of(&svd, "<name>CH") - 1,
        "UART/CH",
        "overlaps register `DATA`",
    );
}

#[test]
fn registers_overlapping_inside_a_cluster() {
    let svd = edit(
        "<name>B</name><addressOffset>4</addressOffset>",
        "<name>B</name><addressOffset>2</addressOffset>",
    );
    let problem = single_problem(&svd);
    assert_problem(
        &problem,
        line_of(&svd, "<name>B"),
        "UART/CH/B",
        "overlaps register `A`",
    );
}

#[test]
fn overlapping_fields() {
    let svd = edit("<bitRange>[3:1]</bitRange>", "<bitRange>[4:1]</bitRange>");
    let problem = single_problem(&svd);
    assert_problem(
        &problem,
        line_of(&svd, "<name>LEVEL"),
        "UART/CTRL/LEVEL",
        "bits [4:4] overlap field `MODE`",
    );
}

#[test]
fn field_past_the_register_size() {
    let svd = edit("<msb>11</msb>", "<msb>32</msb>");
    let problem = single_problem(&svd);
    assert_problem(
        &problem,
        line_of(&svd, "<name>LEVEL"),
        "UART/CTRL/LEVEL",
        "bits 4..=32 do not fit the 32-bit register",
    );
}

#[test]
fn enumerated_value_too_wide_for_the_field() {
    let svd = edit("<value>1</value>", "<value>8</value>");
    let problem = single_problem(&svd);
    assert_problem(
        &problem,
        line_of(&svd, "<name>ON"),
        "UART/CTRL/MODE/ON",
        "value 8 does not fit the 3-bit field",
    );
}

#[test]
fn enumerated_value_twice() {
    let svd = edit("<value>1</value>", "<value>0</value>");
    let problem = single_problem(&svd);
    assert_problem(
        &problem,
        line_of(&svd, "<name>ON"),
        "UART/CTRL/MODE/ON",
        "value 0 is also `OFF`",
    );
}

#[test]
fn write_constraint_wider_than_the_field() {
    let svd = edit(
        "<lsb>4</lsb>",
        "<lsb>4</lsb><writeConstraint><range><minimum>0</minimum><maximum>256</maximum></range></writeConstraint>",
    );
    let problem = single_problem(&svd);
    assert_problem(
        &problem,
        line_of(&svd, "<range>"),
        "UART/CTRL/LEVEL",
        "maximum 256 does not fit 8 bits",
    );
}

#[test]
fn duplicate_peripheral_name() {
    let svd = edit("<name>UART2</name>", "<name>UART</name>");
    let problem = single_problem(&svd);
    assert_problem(
        &problem,
        line_of(&svd, "derivedFrom"),
        "UART",
        "duplicate peripheral name `UART`",
    );
}

#[test]
fn duplicate_register_name() {
    let svd = edit("<name>DATA</name>", "<name>CTRL</name>");
    let problem = single_problem(&svd);
    assert_problem(
        &problem,
        line_of(&svd, "<addressOffset>0x4") - 2,
        "UART/CTRL",
        "duplicate register or cluster name `CTRL`",
    );
}

#[test]
fn duplicate_array_and_list_names() {
    // An array `FIFO[%s]` is the name `FIFO`, which a plain register may not take again.
    let svd = edit("<name>DATA</name>", "<name>FIFO</name>");
    let problem = single_problem(&svd);
    assert_problem(
        &problem,
        line_of(&svd, "<dim>") - 1,
        "UART/FIFO[%s]",
        "duplicate register or cluster name `FIFO`",
    );
}

#[test]
fn duplicate_field_name() {
    let svd = edit("<name>LEVEL</name>", "<name>EN</name>");
    let problem = single_problem(&svd);
    assert_problem(
        &problem,
        line_of(&svd, "<lsb>"),
        "UART/CTRL/EN",
        "duplicate field name `EN`",
    );
}

#[test]
fn duplicate_enumerated_value_name() {
    let svd = edit("<name>ON</name>", "<name>OFF</name>");
    let problem = single_problem(&svd);
    assert_problem(
        &problem,
        line_of(&svd, "<value>1"),
        "UART/CTRL/MODE/OFF",
        "duplicate enumerated value name `OFF`",
    );
}

#[test]
fn peripheral_address_blocks_overlap() {
    // A derived copy at another base is fine (the base case); at an overlapping base it is not.
    let svd = edit(
        "<baseAddress>0x2000</baseAddress>",
        "<baseAddress>0x1080</baseAddress>",
    );
    let problem = single_problem(&svd);
    assert_problem(
        &problem,
        line_of(&svd, "derivedFrom"),
        "UART2",
        "overlaps address block of peripheral `UART`",
    );
}

#[test]
fn derived_from_nothing() {
    let svd = edit("derivedFrom=\"UART\"", "derivedFrom=\"USART\"");
    let problem = single_problem(&svd);
    assert_problem(
        &problem,
        line_of(&svd, "derivedFrom"),
        "UART2",
        "derivedFrom `USART`: no such peripheral",
    );
}

#[test]
fn all_problems_are_reported_together() {
    let svd = edit("<name>UART2</name>", "<name>UART</name>")
        .replace("<msb>11</msb>", "<msb>40</msb>")
        .replace("<name>DATA</name>", "<name>DATA</name><colour/>");
    let problems = validate(&svd);
    assert_eq!(problems.len(), 3, "{problems:#?}");
    let text = report("test.svd", &problems);
    assert!(
        text.starts_with("test.svd: invalid SVD (3 problems;"),
        "{text}"
    );
    // In file order, each as `file:line:column: path: message`.
    let lines: Vec<&str> = text.lines().skip(1).collect();
    assert!(
        lines[0].starts_with(&format!("  test.svd:{}:", line_of(&svd, "<name>LEVEL"))),
        "{text}"
    );
    assert!(
        lines[0].contains(": UART/CTRL/LEVEL: bits 4..=40"),
        "{text}"
    );
    assert!(
        lines[1].contains(": UART/DATA: unknown element <colour>"),
        "{text}"
    );
    assert!(
        lines[2].contains(": UART: duplicate peripheral name"),
        "{text}"
    );
}

#[test]
fn alternate_registers_may_share_an_address() {
    let svd = edit(
        "<addressOffset>0x4</addressOffset>",
        "<alternateRegister>CTRL</alternateRegister>\n          <addressOffset>0x0</addressOffset>",
    );
    assert_eq!(validate(&svd), vec![]);
}

#[test]
fn derived_cluster_has_its_base_extent() {
    // A copy of CH (8 bytes) at 0x28 fits; at 0x24 it covers CH's second register.
    let copy = |offset: &str| {
        edit(
            "        </cluster>\n",
            &format!(
                "        </cluster>\n        <cluster derivedFrom=\"CH\"><name>CH2</name><addressOffset>{offset}</addressOffset></cluster>\n"
            ),
        )
    };
    assert_eq!(validate(&copy("0x28")), vec![]);
    let svd = copy("0x24");
    let problem = single_problem(&svd);
    assert_problem(
        &problem,
        line_of(&svd, "<name>CH2"),
        "UART/CH2",
        "cluster `CH2` at 0x24..0x2c overlaps cluster `CH` at 0x20..0x28",
    );
}

#[test]
fn derived_register_has_its_base_size() {
    // DATA2 copies DATA, made 64-bit: at 0xC it spans 0xC..0x14 and covers FIFO[0] at 0x10.
    let svd = edit("<name>DATA</name>", "<name>DATA</name>\n          <size>64</size>").replace(
        "        <cluster>\n",
        "        <register derivedFrom=\"DATA\"><name>DATA2</name><addressOffset>0xC</addressOffset></register>\n        <cluster>\n",
    );
    let problem = single_problem(&svd);
    assert_problem(
        &problem,
        line_of(&svd, "<name>DATA2"),
        "UART/DATA2",
        "register `DATA2` at 0xc..0x14 overlaps register `FIFO[%s]` at 0x10..0x14",
    );
}

#[test]
fn huge_values_are_reported_not_overflowed() {
    let svd = edit(
        "<baseAddress>0x2000</baseAddress>",
        "<baseAddress>0xFFFFFFFFFFFFFFFF</baseAddress>",
    )
    .replace("<msb>11</msb>", "<msb>18446744073709551615</msb>");
    let problems = validate(&svd);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(problems[0].message.contains("past bit 63"), "{problems:#?}");
}
