//! Every chart of the dashboard, drawn on the server as SVG with `plotters`. The rest of the
//! dashboard sees only these functions: plain inputs in, an accessible `<svg>` string out
//! (`role="img"`, a `<title>`, and a size that follows the page width). Figures on charts are
//! approximations for the eye (f64 billions); the exact figures are in the tables beside them.

use chrono::NaiveDate;
use plotters::prelude::*;

use super::i18n::{Arg, Lang};

/// One line of a chart: a label, a colour, and (date, value) points, drawn as steps; a dashed
/// line is a projection, drawn straight from point to point.
pub struct Line<'a> {
    pub label: &'a str,
    pub colour: RGBColor,
    pub points: Vec<(NaiveDate, f64)>,
    pub dashed: bool,
}

/// A horizontal reference line (a goal) across the chart.
pub struct Level<'a> {
    pub label: &'a str,
    pub value: f64,
}

pub const COUNTED: RGBColor = RGBColor(0x1f, 0x4e, 0x79);
pub const COMMITTED: RGBColor = RGBColor(0x2e, 0x7d, 0x32);
pub const PAID: RGBColor = RGBColor(0xa3, 0x4c, 0x00);
pub const GOAL: RGBColor = RGBColor(0xb0, 0x00, 0x20);
pub const PROJECTION: RGBColor = RGBColor(0x55, 0x55, 0x55);
/// A reference series published by others (the Kiel tracker).
pub const REFERENCE: RGBColor = RGBColor(0xc2, 0x18, 0x5b);
/// The rate a goal requires (a projection).
pub const REQUIRED: RGBColor = RGBColor(0x6a, 0x1b, 0x9a);
const GRID: RGBColor = RGBColor(0xdd, 0xdd, 0xdd);

fn days(date: NaiveDate) -> i32 {
    date.num_days_from_ce()
}

use chrono::Datelike;

/// A month on a time axis in `lang`: `Mar 2026`, `mars 2026`.
fn date_label(lang: Lang, day: i32) -> String {
    const FR: [&str; 12] =
        ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."];
    let Some(date) = NaiveDate::from_num_days_from_ce_opt(day) else { return String::new() };
    match lang {
        Lang::En => date.format("%b %Y").to_string(),
        Lang::Fr => format!("{} {}", FR.get(date.month0() as usize).copied().unwrap_or_default(), date.year()),
    }
}

/// A value on a chart's value axis in French: a decimal comma, trailing zeros dropped (`0,5`).
/// English keeps plotters' own labels.
fn french_axis_value(value: &f64) -> String {
    let text = format!("{value:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    text.replace('.', ",")
}

/// The highest value shown, rounded up so the axis ends on a round figure.
fn ceiling(value: f64) -> f64 {
    if value <= 0.0 {
        return 1.0;
    }
    let step = 10f64.powf(value.log10().floor());
    ((value / step).ceil() * step).max(value * 1.05)
}

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;
type Paint<'p> = dyn Fn(&Area, &Frame) -> Result<(), Box<dyn std::error::Error>> + 'p;

/// One rendering of a chart: its width in SVG units and its text size in plotters' points (the
/// SVG's `font-size` is `font / 1.24` units). A chart comes in two renderings, a wide one for a
/// column of 520 px or more and a narrow one below that (the stylesheet shows the one that fits
/// its box), so that its text is never rendered smaller than 11 px: `font / 1.24 * shown width /
/// width` stays at or above 11 from a 520 px box up (wide) and from a 273 px box up (narrow).
pub struct Frame {
    pub width: u32,
    pub font: u32,
}

impl Frame {
    /// The text size in SVG units, as plotters writes it.
    fn text_units(&self) -> f64 {
        f64::from(self.font) / 1.24
    }
}

const WIDE_FONT: u32 = 17;
const NARROW: Frame = Frame { width: 360, font: 18 };

/// How a legend entry shows its series.
#[derive(Clone, Copy)]
enum Swatch {
    Line,
    Dashed,
    Block,
    /// Nothing drawn: the entry says why (a series with nothing recorded).
    Nothing,
}

/// One legend entry, drawn below the plot (never over its data).
struct Key {
    label: String,
    colour: RGBColor,
    swatch: Swatch,
}

/// The legend below the plot as SVG: entries flow left to right and wrap to the width. Returns
/// the markup and its height.
fn legend(keys: &[Key], frame: &Frame, top: u32) -> (String, u32) {
    let units = frame.text_units();
    let row = (units * 1.5).ceil();
    let margin = 12.0;
    let swatch = 20.0;
    let mut out = String::from("<g class=\"legend\">");
    let (mut x, mut y) = (margin, f64::from(top) + 6.0 + row / 2.0);
    let mut rows = if keys.is_empty() { 0.0 } else { 1.0 };
    // A generous estimate of the text's width (0.6 em a character) keeps entries apart; a label
    // longer than the width wraps at spaces onto lines of its own.
    let per_line = ((f64::from(frame.width) - 2.0 * margin - swatch - 6.0) / (0.6 * units)).floor().max(8.0) as usize;
    for key in keys {
        let lines = wrap_words(&key.label, per_line);
        let longest = lines.iter().map(|line| line.chars().count()).max().unwrap_or(0);
        let width = swatch + 6.0 + 0.6 * units * longest as f64;
        if x > margin && x + width > f64::from(frame.width) - margin {
            x = margin;
            y += row;
            rows += 1.0;
        }
        let colour = format!("#{:02X}{:02X}{:02X}", key.colour.0, key.colour.1, key.colour.2);
        out.push_str(&match key.swatch {
            Swatch::Line => {
                format!(r#"<line x1="{x}" y1="{y}" x2="{}" y2="{y}" stroke="{colour}" stroke-width="2"/>"#, x + swatch)
            }
            Swatch::Dashed => format!(
                r#"<line x1="{x}" y1="{y}" x2="{}" y2="{y}" stroke="{colour}" stroke-width="2" stroke-dasharray="5 3"/>"#,
                x + swatch
            ),
            Swatch::Block => {
                format!(r#"<rect x="{}" y="{}" width="12" height="10" fill="{colour}"/>"#, x + 4.0, y - 5.0)
            }
            Swatch::Nothing => String::new(),
        });
        let text_x = x + swatch + 6.0;
        let text = match lines.as_slice() {
            [one] => escape(one),
            _ => lines
                .iter()
                .enumerate()
                .map(|(i, line)| {
                    let dy = if i == 0 { 0.0 } else { row };
                    format!(r#"<tspan x="{text_x}" dy="{dy}">{}</tspan>"#, escape(line))
                })
                .collect(),
        };
        out.push_str(&format!(
            r#"<text x="{text_x}" y="{y}" dominant-baseline="middle" font-family="sans-serif" font-size="{units:.1}" fill="{}">
{text}
</text>"#,
            if matches!(key.swatch, Swatch::Nothing) { "#555555" } else { "#000000" },
        ));
        if lines.len() > 1 {
            // The entry took rows of its own: the next one starts on a new row.
            let extra = (lines.len() - 1) as f64;
            y += row * extra;
            rows += extra;
            x = f64::from(frame.width);
        } else {
            x += width + 16.0;
        }
    }
    out.push_str("</g>");
    (out, if rows > 0.0 { (rows * row + 12.0).ceil() as u32 } else { 0 })
}

/// `text` in lines of at most `per_line` characters, broken at spaces (a longer word keeps a
/// line of its own).
fn wrap_words(text: &str, per_line: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split(' ') {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= per_line => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

/// Draws a chart with a legend in its two renderings, each an accessible `<svg>` (a role, a
/// label, a title), inside a box whose width chooses which one shows. `size` is the wide
/// rendering's plot; `narrow_height` the narrow one's. Drawing into memory cannot fail, so an
/// error here is a bug in the chart code.
fn render(title: &str, size: (u32, u32), narrow_height: u32, keys: &[Key], paint: &Paint) -> String {
    let wide = Frame { width: size.0, font: WIDE_FONT };
    let mut out = String::from("<div class=\"chart-box\">");
    for (frame, height, class) in [(&wide, size.1, "wide"), (&NARROW, narrow_height, "narrow")] {
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, (frame.width, height)).into_drawing_area();
            paint(&root, frame)
                .and_then(|()| root.present().map_err(Into::into))
                .expect("drawing into a string cannot fail");
        }
        let (key, key_height) = legend(keys, frame, height);
        out.push_str(&compose(&svg, title, class, (frame.width, height + key_height), &key));
    }
    out.push_str("</div>");
    out
}

/// Plotters' drawing as the plot group of a new `<svg>` of `size`, followed by `after`.
fn compose(svg: &str, title: &str, class: &str, size: (u32, u32), after: &str) -> String {
    let title = escape(title);
    let inner_start = svg.find("<svg").and_then(|at| svg[at..].find('>').map(|end| at + end + 1)).unwrap_or(0);
    let inner_end = svg.rfind("</svg>").unwrap_or(svg.len()).max(inner_start);
    let (width, height) = size;
    format!(
        "<svg role=\"img\" aria-label=\"{title}\" class=\"chart {class}\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" xmlns=\"http://www.w3.org/2000/svg\"><title>{title}</title>\
         <g class=\"plot\">{}</g>{after}</svg>",
        &svg[inner_start..inner_end]
    )
}

/// Draws into an SVG string and makes it accessible (charts without text or legend). Drawing into
/// memory cannot fail, so an error here is a bug in the chart code.
fn draw(title: &str, size: (u32, u32), paint: impl FnOnce(&Area) -> Result<(), Box<dyn std::error::Error>>) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        paint(&root).and_then(|()| root.present().map_err(Into::into)).expect("drawing into a string cannot fail");
    }
    accessible(svg, title)
}

/// Makes plotters' SVG accessible and fluid: a role, a label, a title.
fn accessible(svg: String, title: &str) -> String {
    let title = escape(title);
    let opening = svg.find("<svg").map(|at| at + 4).unwrap_or(0);
    let close = svg[opening..].find('>').map(|at| opening + at + 1).unwrap_or(opening);
    let mut out = String::with_capacity(svg.len() + 2 * title.len() + 64);
    out.push_str(&svg[..opening]);
    out.push_str(&format!(" role=\"img\" aria-label=\"{title}\" class=\"chart\""));
    out.push_str(&svg[opening..close]);
    out.push_str(&format!("<title>{title}</title>"));
    out.push_str(&svg[close..]);
    out
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The narrow rendering's plot height for a wide plot of `size`.
fn narrow_height(size: (u32, u32)) -> u32 {
    (size.1 * 3 / 4).max(240)
}

/// Cumulative money over time against goals: step lines, dashed projection, goal levels. A line
/// with nothing recorded (zero throughout) is not drawn over the axis: its legend entry says
/// "none recorded"; a line equal to one drawn before it says so instead of hiding under it.
/// Its legend and axis are in `lang`.
pub fn cumulative(lang: Lang, title: &str, unit: &str, lines: &[Line], levels: &[Level], size: (u32, u32)) -> String {
    let all = lines.iter().flat_map(|l| l.points.iter());
    let (first, last) = all.clone().fold((i32::MAX, i32::MIN), |(lo, hi), (d, _)| (lo.min(days(*d)), hi.max(days(*d))));
    let (first, last) = if first > last { (0, 1) } else { (first, last.max(first + 1)) };
    let top = all.map(|(_, v)| *v).chain(levels.iter().map(|l| l.value)).fold(0.0, f64::max);
    let mut keys: Vec<Key> =
        levels.iter().map(|l| Key { label: l.label.to_string(), colour: GOAL, swatch: Swatch::Dashed }).collect();
    let mut drawn: Vec<&Line> = Vec::new();
    for line in lines {
        let swatch = if line.dashed { Swatch::Dashed } else { Swatch::Line };
        if line.points.iter().all(|(_, v)| *v == 0.0) {
            keys.push(Key {
                label: lang.t_args("chart-none-recorded", &[("line", Arg::from(line.label))]),
                colour: line.colour,
                swatch: Swatch::Nothing,
            });
        } else if let Some(same) = drawn.iter().find(|d| d.points == line.points && d.dashed == line.dashed) {
            let label =
                lang.t_args("chart-same-as", &[("line", Arg::from(line.label)), ("other", Arg::from(same.label))]);
            keys.push(Key { label, colour: line.colour, swatch: Swatch::Nothing });
        } else {
            keys.push(Key { label: line.label.to_string(), colour: line.colour, swatch });
            drawn.push(line);
        }
    }
    let paint = |root: &Area, frame: &Frame| -> Result<(), Box<dyn std::error::Error>> {
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(frame.font * 2)
            .y_label_area_size(frame.font * 4)
            .build_cartesian_2d(first..last, 0.0..ceiling(top))?;
        let month_label = |day: &i32| date_label(lang, *day);
        let mut mesh = chart.configure_mesh();
        mesh.light_line_style(WHITE)
            .bold_line_style(GRID)
            .label_style(("sans-serif", frame.font))
            .axis_desc_style(("sans-serif", frame.font))
            .x_labels(if frame.width < 480 { 4 } else { 6 })
            .x_label_formatter(&month_label)
            .y_labels(6)
            .y_desc(unit);
        if lang == Lang::Fr {
            mesh.y_label_formatter(&french_axis_value);
        }
        mesh.draw()?;
        for level in levels {
            chart.draw_series(DashedLineSeries::new(
                [(first, level.value), (last, level.value)],
                6,
                4,
                GOAL.stroke_width(1),
            ))?;
        }
        for line in &drawn {
            let mut steps = Vec::with_capacity(line.points.len() * 2);
            for (i, (date, value)) in line.points.iter().enumerate() {
                if i > 0 && !line.dashed {
                    steps.push((days(*date), steps.last().map_or(0.0, |(_, v): &(i32, f64)| *v)));
                }
                steps.push((days(*date), *value));
            }
            let style = line.colour.stroke_width(2);
            match line.dashed {
                true => chart.draw_series(DashedLineSeries::new(steps, 5, 4, style))?,
                false => chart.draw_series(LineSeries::new(steps, style))?,
            };
        }
        Ok(())
    };
    let svg = render(title, size, narrow_height(size), &keys, &paint);
    // The axis's top and the goal levels, for readers of the SVG (tests among them).
    let levels: Vec<String> = levels.iter().map(|l| format!("{:.3}", l.value)).collect();
    let data = format!("<svg data-y-max=\"{:.3}\" data-levels=\"{}\"", ceiling(top), levels.join(" "));
    svg.replace("<svg", &data)
}

/// Bars per period (labels below) with an optional dashed target level.
/// Its legend is in `lang`.
pub fn bars(
    lang: Lang,
    title: &str,
    unit: &str,
    bars: &[(String, f64)],
    target: Option<Level>,
    size: (u32, u32),
) -> String {
    let top = bars.iter().map(|(_, v)| *v).chain(target.iter().map(|t| t.value)).fold(0.0, f64::max);
    let count = bars.len().max(1) as f64;
    let mut keys = vec![Key { label: lang.t("chart-counted-in-month"), colour: COUNTED, swatch: Swatch::Block }];
    if let Some(target) = &target {
        keys.push(Key { label: target.label.to_string(), colour: GOAL, swatch: Swatch::Dashed });
    }
    let paint = |root: &Area, frame: &Frame| -> Result<(), Box<dyn std::error::Error>> {
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(frame.font * 2)
            .y_label_area_size(frame.font * 4)
            .build_cartesian_2d(0.0..count, 0.0..ceiling(top))?;
        // Every label when they fit (about 4.5 em each), else every second or third.
        let fit = ((frame.width as f64 * 1.24) / (frame.font as f64 * 4.5)).floor().max(1.0) as usize;
        let every = bars.len().div_ceil(fit).max(1);
        let label = |x: &f64| {
            let index = x.floor() as usize;
            let centred = (x - x.floor() - 0.5).abs() < 1e-9;
            bars.get(index)
                .filter(|_| centred && index.is_multiple_of(every))
                .map(|(l, _)| l.clone())
                .unwrap_or_default()
        };
        let mut mesh = chart.configure_mesh();
        mesh.disable_x_mesh()
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .label_style(("sans-serif", frame.font))
            .axis_desc_style(("sans-serif", frame.font))
            .x_labels(bars.len() * 2 + 1)
            .x_label_formatter(&label)
            .y_labels(6)
            .y_desc(unit);
        if lang == Lang::Fr {
            mesh.y_label_formatter(&french_axis_value);
        }
        mesh.draw()?;
        chart.draw_series(bars.iter().enumerate().map(|(i, (_, value))| {
            let x = i as f64;
            Rectangle::new([(x + 0.15, 0.0), (x + 0.85, *value)], COUNTED.filled())
        }))?;
        if let Some(target) = &target {
            chart.draw_series(DashedLineSeries::new(
                [(0.0, target.value), (count, target.value)],
                6,
                4,
                GOAL.into(),
            ))?;
        }
        Ok(())
    };
    render(title, size, narrow_height(size), &keys, &paint)
}

/// A small line without axes: one contributor's counted money over the record's span.
pub fn sparkline(title: &str, points: &[(NaiveDate, f64)], span: (NaiveDate, NaiveDate)) -> String {
    let (first, last) = (days(span.0), days(span.1).max(days(span.0) + 1));
    let top = points.iter().map(|(_, v)| *v).fold(0.0, f64::max);
    draw(title, (120, 28), |root| {
        let mut chart = ChartBuilder::on(root).margin(2).build_cartesian_2d(first..last, 0.0..top.max(1e-9))?;
        let mut steps = vec![(first, 0.0)];
        for (date, value) in points {
            steps.push((days(*date), steps.last().map_or(0.0, |(_, v)| *v)));
            steps.push((days(*date), *value));
        }
        steps.push((last, steps.last().map_or(0.0, |(_, v)| *v)));
        chart.draw_series(LineSeries::new(steps, COUNTED.stroke_width(2)))?;
        Ok(())
    })
}

/// A horizontal funding bar: the share of the price covered, capped at the full width.
pub fn funding_bar(title: &str, share: f64) -> String {
    draw(title, (160, 14), |root| {
        root.fill(&GRID)?;
        let width = (160.0 * share.clamp(0.0, 1.0)).round() as i32;
        root.draw(&Rectangle::new([(0, 0), (width, 14)], COMMITTED.filled()))?;
        Ok(())
    })
}

/// One horizontal bar of a diverging chart: a row label and a signed value.
pub struct Diverging<'a> {
    pub label: &'a str,
    pub value: f64,
}

/// Horizontal bars either side of zero, one row per bar in the order given (the first on top):
/// negative values to the left (`sides.0`), positive to the right (`sides.1`). The height
/// follows the number of rows.
pub fn diverging(title: &str, unit: &str, rows: &[Diverging], sides: (&str, &str), width: u32) -> String {
    let count = rows.len().max(1);
    let height = 24 * count as u32 + 90;
    let edge = ceiling(rows.iter().map(|r| r.value.abs()).fold(0.0, f64::max));
    // Row i is drawn between y = count - i - 1 and count - i, so the first row is on top.
    let top = |i: usize| (count - i) as f64;
    let keys = [
        Key { label: sides.0.to_string(), colour: PAID, swatch: Swatch::Block },
        Key { label: sides.1.to_string(), colour: COUNTED, swatch: Swatch::Block },
    ];
    let paint = |root: &Area, frame: &Frame| -> Result<(), Box<dyn std::error::Error>> {
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(frame.font * 2 + 8)
            .y_label_area_size(frame.font * 3)
            .build_cartesian_2d(-edge..edge, 0.0..count as f64)?;
        let label = |y: &f64| {
            let centred = (y - y.floor() - 0.5).abs() < 1e-9;
            let index = count.checked_sub(y.floor() as usize + 1);
            index.and_then(|i| rows.get(i)).filter(|_| centred).map(|r| r.label.to_string()).unwrap_or_default()
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .label_style(("sans-serif", frame.font))
            .axis_desc_style(("sans-serif", frame.font))
            .y_labels(count * 2 + 1)
            .y_label_formatter(&label)
            .x_labels(if frame.width < 480 { 5 } else { 7 })
            .x_desc(unit)
            .draw()?;
        let side = |negative: bool| {
            rows.iter().enumerate().filter(move |(_, r)| (r.value < 0.0) == negative).map(move |(i, r)| {
                let colour = if negative { PAID } else { COUNTED };
                Rectangle::new([(0.0, top(i) - 0.8), (r.value, top(i) - 0.2)], colour.filled())
            })
        };
        chart.draw_series(side(true))?;
        chart.draw_series(side(false))?;
        chart.draw_series(LineSeries::new([(0.0, 0.0), (0.0, count as f64)], BLACK.stroke_width(1)))?;
        Ok(())
    };
    render(title, (width, height), height, &keys, &paint)
}
