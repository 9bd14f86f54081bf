//! `tranche export xlsx`: a cover sheet (what the workbook was made from, the counting rules), one
//! sheet per dataset with typed cells (amounts as numbers in their currency's format, real
//! dates, integers), a frozen header row and an autofilter, and a sheet of every record's source.

use std::collections::BTreeMap;

use anyhow::{Context as _, Result};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet};
use tranche_api::datasets::{ColumnType, Dataset};

use super::Context;

/// The counting rules as docs/COUNTING.md states them: its paragraphs before the first section.
const COUNTING: &str = include_str!("../../../../docs/COUNTING.md");

/// The widest a column is made, in characters.
const MAX_WIDTH: usize = 60;
/// Rows looked at to size a column.
const WIDTH_SAMPLE: usize = 200;

pub fn workbook(datasets: &[(&str, Dataset)], sources: &Dataset, context: &Context<'_>) -> Result<Vec<u8>> {
    let mut book = Workbook::new();
    let formats = Formats::new();
    cover(book.add_worksheet(), datasets, context, &formats)?;
    for (name, dataset) in datasets {
        sheet(book.add_worksheet(), name, dataset, &formats).with_context(|| format!("the {name} sheet"))?;
    }
    let columns = ["record", "date", "kind", "contributor", "source_url", "confidence"];
    let picked = pick(sources, &columns);
    sheet(book.add_worksheet(), "sources", &picked, &formats).context("the sources sheet")?;
    book.save_to_buffer().context("cannot write the workbook")
}

struct Formats {
    header: Format,
    date: Format,
    integer: Format,
    wrap: Format,
    title: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            header: Format::new().set_bold(),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            integer: Format::new().set_num_format("0"),
            wrap: Format::new().set_text_wrap(),
            title: Format::new().set_bold().set_font_size(14),
        }
    }
}

/// The number format of an amount in `currency`: grouped, its minor-unit precision, its code.
fn amount_format(code: &str, exponent: u32) -> Format {
    let decimals = if exponent == 0 { String::new() } else { format!(".{}", "0".repeat(exponent as usize)) };
    Format::new().set_num_format(format!("#,##0{decimals} \"{code}\""))
}

fn cover(sheet: &mut Worksheet, datasets: &[(&str, Dataset)], context: &Context<'_>, formats: &Formats) -> Result<()> {
    sheet.set_name("about")?;
    sheet.set_column_width(0, 100)?;
    let mut lines: Vec<(String, Option<&Format>)> = vec![
        ("Tranche export".into(), Some(&formats.title)),
        (
            format!(
                "Made from the log at its head of {} events, figures as of {}, read as {}.",
                context.head, context.as_of, context.role
            ),
            None,
        ),
        (
            "Every column is described in docs/EXPORTS.md; an empty cell is unknown or not applicable, never zero."
                .into(),
            None,
        ),
        (String::new(), None),
        ("Sheets".into(), Some(&formats.header)),
    ];
    for (name, dataset) in datasets {
        lines.push((format!("{name}: {} rows", dataset.rows.len()), None));
    }
    lines.push(("sources: every record's source URL and date".into(), None));
    lines.push((String::new(), None));
    lines.push(("Counting rules (docs/COUNTING.md)".into(), Some(&formats.header)));
    lines.extend(counting_rules().into_iter().map(|rule| (rule, Some(&formats.wrap))));
    for (row, (text, format)) in lines.iter().enumerate() {
        let row = u32::try_from(row)?;
        match format {
            Some(format) => sheet.write_string_with_format(row, 0, text, format)?,
            None => sheet.write_string(row, 0, text)?,
        };
    }
    Ok(())
}

/// docs/COUNTING.md's paragraphs before its first section, each joined onto one line.
fn counting_rules() -> Vec<String> {
    let head = COUNTING.split("\n## ").next().unwrap_or_default();
    let mut paragraphs: Vec<String> = Vec::new();
    for line in head.lines().skip_while(|l| l.starts_with('#') || l.trim().is_empty()) {
        let starts = line.trim().is_empty() || line.chars().next().is_some_and(|c| c.is_ascii_digit());
        match (starts, paragraphs.last_mut()) {
            (false, Some(last)) => {
                last.push(' ');
                last.push_str(line.trim());
            }
            _ if line.trim().is_empty() => paragraphs.push(String::new()),
            _ => paragraphs.push(line.trim().to_string()),
        }
    }
    paragraphs.into_iter().map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect()
}

/// Some columns of a dataset, by name, in the order given.
fn pick(dataset: &Dataset, names: &[&'static str]) -> Dataset {
    let indexes: Vec<usize> = names.iter().filter_map(|n| dataset.columns.iter().position(|c| c == n)).collect();
    let columns = indexes.iter().map(|&i| (dataset.columns[i], dataset.types[i])).collect();
    let rows = dataset.rows.iter().map(|row| indexes.iter().map(|&i| row[i].clone()).collect()).collect();
    Dataset::new(dataset.name, columns, rows)
}

fn sheet(sheet: &mut Worksheet, name: &str, dataset: &Dataset, formats: &Formats) -> Result<()> {
    sheet.set_name(name)?;
    let mut amounts: BTreeMap<String, Format> = BTreeMap::new();
    for (col, column) in dataset.columns.iter().enumerate() {
        sheet.write_string_with_format(0, u16::try_from(col)?, *column, &formats.header)?;
    }
    for (index, row) in dataset.rows.iter().enumerate() {
        let at = u32::try_from(index + 1)?;
        for (col, (value, kind)) in row.iter().zip(&dataset.types).enumerate() {
            if value.is_empty() {
                continue;
            }
            let col = u16::try_from(col)?;
            match kind {
                ColumnType::Amount(_) => match (dataset.currency_of(row, col.into()), value.parse::<f64>()) {
                    (Some(currency), Ok(number)) => {
                        let format = amounts
                            .entry(currency.code().to_string())
                            .or_insert_with(|| amount_format(currency.code(), currency.exponent()));
                        sheet.write_number_with_format(at, col, number, format)?
                    }
                    (None, Ok(number)) => sheet.write_number(at, col, number)?,
                    _ => sheet.write_string(at, col, value)?,
                },
                ColumnType::Date => match tranche_core::parse_date(value) {
                    Ok(date) => {
                        use chrono::Datelike;
                        let day =
                            ExcelDateTime::from_ymd(u16::try_from(date.year())?, date.month() as u8, date.day() as u8)?;
                        sheet.write_datetime_with_format(at, col, &day, &formats.date)?
                    }
                    Err(_) => sheet.write_string(at, col, value)?,
                },
                ColumnType::Integer => match value.parse::<f64>() {
                    Ok(number) => sheet.write_number_with_format(at, col, number, &formats.integer)?,
                    Err(_) => sheet.write_string(at, col, value)?,
                },
                ColumnType::Decimal => match value.parse::<f64>() {
                    Ok(number) => sheet.write_number(at, col, number)?,
                    Err(_) => sheet.write_string(at, col, value)?,
                },
                ColumnType::Boolean => match value.as_str() {
                    "true" | "false" => sheet.write_boolean(at, col, value == "true")?,
                    _ => sheet.write_string(at, col, value)?,
                },
                ColumnType::Text => sheet.write_string(at, col, value)?,
            };
        }
    }
    let last_row = u32::try_from(dataset.rows.len())?;
    let last_col = u16::try_from(dataset.columns.len().saturating_sub(1))?;
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, last_row, last_col)?;
    for (col, column) in dataset.columns.iter().enumerate() {
        let widest = dataset.rows.iter().take(WIDTH_SAMPLE).map(|r| r[col].chars().count() + 4).max().unwrap_or(0);
        let width = widest.max(column.len() + 3).min(MAX_WIDTH);
        sheet.set_column_width(u16::try_from(col)?, width as f64)?;
    }
    Ok(())
}
