//! Every chart of the dashboard, drawn on the server as SVG with `plotters`. The rest of the
//! dashboard sees only these functions: plain inputs in, an accessible `<svg>` string out
//! (`role="img"`, a `<title>`, and a size that follows the page width). Figures on charts are
//! approximations for the eye (f64 billions); the exact figures are in the tables beside them.

use chrono::NaiveDate;
use plotters::prelude::*;

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

fn date_label(day: &i32) -> String {
    NaiveDate::from_num_days_from_ce_opt(*day).map(|d| d.format("%b %Y").to_string()).unwrap_or_default()
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

/// The legend box every chart with series labels draws, at `position`.
fn legend<'a, 'b: 'a, X: Ranged, Y: Ranged>(
    chart: &mut ChartContext<'a, SVGBackend<'b>, Cartesian2d<X, Y>>,
    position: SeriesLabelPosition,
) -> Result<(), Box<dyn std::error::Error>> {
    chart
        .configure_series_labels()
        .position(position)
        .label_font(("sans-serif", 14))
        .background_style(WHITE.mix(0.9))
        .border_style(GRID)
        .draw()?;
    Ok(())
}

/// Draws into an SVG string and makes it accessible. Drawing into memory cannot fail, so an
/// error here is a bug in the chart code.
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

/// Cumulative money over time against goals: step lines, dashed projection, goal levels.
pub fn cumulative(title: &str, unit: &str, lines: &[Line], levels: &[Level], size: (u32, u32)) -> String {
    let all = lines.iter().flat_map(|l| l.points.iter());
    let (first, last) = all.clone().fold((i32::MAX, i32::MIN), |(lo, hi), (d, _)| (lo.min(days(*d)), hi.max(days(*d))));
    let (first, last) = if first > last { (0, 1) } else { (first, last.max(first + 1)) };
    let top = all.map(|(_, v)| *v).chain(levels.iter().map(|l| l.value)).fold(0.0, f64::max);
    let svg = draw(title, size, |root| {
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(34)
            .y_label_area_size(60)
            .build_cartesian_2d(first..last, 0.0..ceiling(top))?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .label_style(("sans-serif", 15))
            .axis_desc_style(("sans-serif", 15))
            .x_labels(6)
            .x_label_formatter(&date_label)
            .y_labels(6)
            .y_desc(unit)
            .draw()?;
        for level in levels {
            let style = GOAL.stroke_width(1);
            chart
                .draw_series(DashedLineSeries::new([(first, level.value), (last, level.value)], 6, 4, style))?
                .label(level.label)
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], GOAL));
        }
        for line in lines {
            let colour = line.colour;
            let mut steps = Vec::with_capacity(line.points.len() * 2);
            for (i, (date, value)) in line.points.iter().enumerate() {
                if i > 0 && !line.dashed {
                    steps.push((days(*date), steps.last().map_or(0.0, |(_, v): &(i32, f64)| *v)));
                }
                steps.push((days(*date), *value));
            }
            let series = match line.dashed {
                true => chart.draw_series(DashedLineSeries::new(steps, 5, 4, colour.stroke_width(2)))?,
                false => chart.draw_series(LineSeries::new(steps, colour.stroke_width(2)))?,
            };
            series.label(line.label).legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], colour));
        }
        legend(&mut chart, SeriesLabelPosition::LowerRight)?;
        Ok(())
    });
    // The axis's top and the goal levels, for readers of the SVG (tests among them).
    let levels: Vec<String> = levels.iter().map(|l| format!("{:.3}", l.value)).collect();
    let data = format!("<svg data-y-max=\"{:.3}\" data-levels=\"{}\"", ceiling(top), levels.join(" "));
    svg.replacen("<svg", &data, 1)
}

/// Bars per period (labels below) with an optional dashed target level.
pub fn bars(title: &str, unit: &str, bars: &[(String, f64)], target: Option<Level>, size: (u32, u32)) -> String {
    let top = bars.iter().map(|(_, v)| *v).chain(target.iter().map(|t| t.value)).fold(0.0, f64::max);
    let count = bars.len().max(1) as f64;
    draw(title, size, |root| {
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(34)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..count, 0.0..ceiling(top))?;
        // Every label when they fit, else every second or third.
        let every = bars.len().div_ceil(8).max(1);
        let label = |x: &f64| {
            let index = x.floor() as usize;
            let centred = (x - x.floor() - 0.5).abs() < 1e-9;
            bars.get(index)
                .filter(|_| centred && index.is_multiple_of(every))
                .map(|(l, _)| l.clone())
                .unwrap_or_default()
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .label_style(("sans-serif", 15))
            .axis_desc_style(("sans-serif", 15))
            .x_labels(bars.len() * 2 + 1)
            .x_label_formatter(&label)
            .y_labels(6)
            .y_desc(unit)
            .draw()?;
        chart
            .draw_series(bars.iter().enumerate().map(|(i, (_, value))| {
                let x = i as f64;
                Rectangle::new([(x + 0.15, 0.0), (x + 0.85, *value)], COUNTED.filled())
            }))?
            .label("Counted in the month")
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], COUNTED.filled()));
        if let Some(target) = &target {
            chart
                .draw_series(DashedLineSeries::new([(0.0, target.value), (count, target.value)], 6, 4, GOAL.into()))?
                .label(target.label)
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], GOAL));
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        Ok(())
    })
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
    let height = 22 * count as u32 + 90;
    let edge = ceiling(rows.iter().map(|r| r.value.abs()).fold(0.0, f64::max));
    // Row i is drawn between y = count - i - 1 and count - i, so the first row is on top.
    let top = |i: usize| (count - i) as f64;
    draw(title, (width, height), |root| {
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(52)
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
            .label_style(("sans-serif", 14))
            .axis_desc_style(("sans-serif", 14))
            .y_labels(count * 2 + 1)
            .y_label_formatter(&label)
            .x_labels(7)
            .x_desc(unit)
            .draw()?;
        let side = |negative: bool| {
            rows.iter().enumerate().filter(move |(_, r)| (r.value < 0.0) == negative).map(move |(i, r)| {
                let colour = if negative { PAID } else { COUNTED };
                Rectangle::new([(0.0, top(i) - 0.8), (r.value, top(i) - 0.2)], colour.filled())
            })
        };
        chart
            .draw_series(side(true))?
            .label(sides.0)
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], PAID.filled()));
        chart
            .draw_series(side(false))?
            .label(sides.1)
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], COUNTED.filled()));
        chart.draw_series(LineSeries::new([(0.0, 0.0), (0.0, count as f64)], BLACK.stroke_width(1)))?;
        legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
        Ok(())
    })
}
