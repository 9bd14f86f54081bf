//! Chart snapshots for fixed inputs: any change to how a chart is drawn shows up as a diff of
//! its SVG (`cargo insta review` to accept an intended one).

use chrono::NaiveDate;
use tranche_api::web::charts::{self, Diverging, Level, Line};
use tranche_api::web::i18n::Lang;

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

#[test]
fn cumulative_chart_with_a_goal_and_a_projection() {
    let counted = Line {
        label: "Counted",
        colour: charts::COUNTED,
        points: vec![(day("2025-08-04"), 0.58), (day("2025-09-10"), 2.2), (day("2025-12-02"), 4.6)],
        dashed: false,
    };
    let paid = Line { label: "Paid", colour: charts::PAID, points: vec![(day("2025-10-01"), 0.5)], dashed: false };
    let projection = Line {
        label: "Projection at the run rate",
        colour: charts::PROJECTION,
        points: vec![(day("2025-12-02"), 4.6), (day("2025-12-31"), 5.4)],
        dashed: true,
    };
    let goal = Level { label: "Goal: USD 5bn by 2025-12-31", value: 5.0 };
    let svg = charts::cumulative(
        Lang::En,
        "Cumulative money in USD",
        "USD bn",
        &[counted, paid, projection],
        &[goal],
        (640, 360),
    );
    assert!(svg.contains(r#"role="img""#) && svg.contains("<title>Cumulative money in USD</title>"));
    insta::assert_snapshot!(svg);
}

#[test]
fn monthly_bars_against_a_target() {
    let bars: Vec<(String, f64)> = [("Aug 25", 1.89), ("Sep 25", 0.005), ("Oct 25", 0.28), ("Nov 25", 0.48)]
        .map(|(l, v)| (l.to_string(), v))
        .into();
    let target = Level { label: "Monthly target EUR 1bn", value: 1.0 };
    let svg = charts::bars(Lang::En, "Money counted each month in EUR", "EUR bn", &bars, Some(target), (640, 360));
    insta::assert_snapshot!(svg);
}

#[test]
fn sparkline_and_funding_bar() {
    let spark = charts::sparkline(
        "Netherlands: counted EUR over time",
        &[(day("2025-08-04"), 0.5), (day("2025-11-20"), 1.18)],
        (day("2025-07-26"), day("2026-02-28")),
    );
    insta::assert_snapshot!("sparkline", spark);
    let bar = charts::funding_bar("Package 3: 30% funded", 0.3);
    assert!(bar.contains(r#"width="48""#), "30% of 160 pixels is 48: {bar}");
    insta::assert_snapshot!("funding_bar", bar);
}

#[test]
fn diverging_bars_either_side_of_zero() {
    let rows = [("NOR", 830.5), ("NLD", 610.0), ("DNK", 42.25), ("BEL", -55.4), ("DEU", -1210.0)]
        .map(|(label, value)| Diverging { label, value });
    let svg = charts::diverging(
        "Counted minus fair share in EUR millions",
        "EUR m, counted minus fair share",
        &rows,
        ("Below its fair share", "Above its fair share"),
        640,
    );
    assert!(svg.contains(r#"role="img""#) && svg.contains("<title>Counted minus fair share in EUR millions</title>"));
    for label in ["NOR", "NLD", "DNK", "BEL", "DEU", "Below its fair share", "Above its fair share"] {
        assert!(svg.contains(&format!(">\n{label}\n</text>")), "{label} is not drawn");
    }
    // The first row is on top: NOR's label is drawn above DEU's.
    let y_of = |label: &str| {
        let at = svg.find(&format!(">\n{label}\n</text>")).unwrap();
        let tag = &svg[svg[..at].rfind("<text").unwrap()..at];
        let y = tag.split("y=\"").nth(1).unwrap().split('"').next().unwrap();
        y.parse::<f64>().unwrap()
    };
    assert!(y_of("NOR") < y_of("DEU"), "the first row is drawn on top");
    insta::assert_snapshot!(svg);
}

#[test]
fn titles_are_escaped() {
    let bar = charts::funding_bar("A <b>\"quoted\"</b> & title", 1.5);
    assert!(bar.contains("A &lt;b&gt;&quot;quoted&quot;&lt;/b&gt; &amp; title"));
    assert!(!bar.contains("<b>"));
    // Over-funding is drawn as full, not beyond the bar.
    assert!(bar.contains(r#"width="160""#), "{bar}");
}

/// The SVG renderings inside a chart's box (wide, then narrow).
fn renderings(chart: &str) -> Vec<&str> {
    chart.split("<svg ").skip(1).collect()
}

/// The numbers of every `name="…"` attribute in `text`.
fn attributes(text: &str, name: &str) -> Vec<f64> {
    text.split(&format!(" {name}=\"")).skip(1).filter_map(|rest| rest.split('"').next()?.parse().ok()).collect()
}

fn sample_lines() -> Vec<Line<'static>> {
    let counted = Line {
        label: "Counted",
        colour: charts::COUNTED,
        points: vec![(day("2025-08-04"), 0.58), (day("2025-09-10"), 2.2), (day("2025-12-02"), 4.6)],
        dashed: false,
    };
    let committed = Line {
        label: "Committed",
        colour: charts::COMMITTED,
        points: vec![(day("2025-08-04"), 0.0), (day("2025-12-02"), 0.0)],
        dashed: false,
    };
    let paid = Line { label: "Paid", colour: charts::PAID, points: counted.points.clone(), dashed: false };
    vec![counted, committed, paid]
}

#[test]
fn every_legend_sits_below_its_plot() {
    let goal = [Level { label: "Goal: USD 5bn by 2025-12-31", value: 5.0 }];
    let bars: Vec<(String, f64)> = vec![("Aug 25".into(), 1.0), ("Sep 25".into(), 2.0)];
    let rows = [Diverging { label: "NOR", value: 3.0 }, Diverging { label: "DEU", value: -2.0 }];
    let charts = [
        charts::cumulative(Lang::En, "c", "USD bn", &sample_lines(), &goal, (640, 360)),
        charts::bars(Lang::En, "b", "EUR bn", &bars, Some(Level { label: "Monthly target", value: 1.5 }), (640, 360)),
        charts::diverging("d", "EUR m", &rows, ("Below", "Above"), 640),
    ];
    for chart in &charts {
        let svgs = renderings(chart);
        assert_eq!(svgs.len(), 2, "a wide and a narrow rendering: {chart}");
        for svg in svgs {
            let (plot, legend) = svg.split_once("<g class=\"legend\">").expect("a legend group");
            // The plot's height is its white background's (the first rect, drawn over all of it).
            let height = attributes(&plot[plot.find("<rect").unwrap()..], "height")[0];
            let ys: Vec<f64> = ["y", "y1", "y2"].iter().flat_map(|name| attributes(legend, name)).collect();
            assert!(!ys.is_empty(), "the legend draws something");
            assert!(ys.iter().all(|y| *y > height), "legend at {ys:?}, plot {height} high");
        }
    }
}

#[test]
fn a_line_at_zero_or_under_another_is_named_not_hidden() {
    let svg = charts::cumulative(Lang::En, "c", "EUR bn", &sample_lines(), &[], (640, 360));
    assert!(svg.contains("Committed: none recorded"), "{svg}");
    assert!(svg.contains("Paid: the same as Counted"), "{svg}");
    let colour = |c: plotters::style::RGBColor| format!("stroke=\"#{:02X}{:02X}{:02X}\"", c.0, c.1, c.2);
    let plots: Vec<&str> = renderings(&svg).iter().map(|s| s.split("<g class=\"legend\">").next().unwrap()).collect();
    for plot in plots {
        assert!(plot.contains(&colour(charts::COUNTED)), "the counted line is drawn");
        assert!(!plot.contains(&colour(charts::COMMITTED)), "no committed line along the axis");
        assert!(!plot.contains(&colour(charts::PAID)), "no paid line under the counted one");
    }
}

#[test]
fn chart_text_is_at_least_11_px_where_each_rendering_shows() {
    // The stylesheet shows the wide rendering in a box of 520 px or more, the narrow one below
    // (a phone of 320 px leaves a box of 288 px).
    let svg = charts::cumulative(Lang::En, "c", "EUR bn", &sample_lines(), &[], (640, 360));
    for (svg, smallest_box) in renderings(&svg).into_iter().zip([520.0_f64, 288.0]) {
        let width = attributes(svg, "width")[0];
        let sizes = attributes(svg, "font-size");
        assert!(!sizes.is_empty());
        for size in sizes {
            assert!(size * smallest_box.min(width) / width >= 11.0, "{size} units in {width} shown at {smallest_box}");
        }
    }
}

#[test]
fn a_french_chart_says_its_months_values_and_legend_in_french() {
    let svg = charts::cumulative(Lang::Fr, "c", "Md EUR", &sample_lines(), &[], (640, 360));
    assert!(svg.contains("Committed : rien d’enregistré"), "{svg}");
    assert!(svg.contains("Paid : identique à Counted"), "{svg}");
    assert!(
        ["sept. 2025", "oct. 2025", "nov. 2025", "déc. 2025"].iter().any(|m| svg.contains(m)),
        "French months on the time axis: {svg}"
    );
    assert!(
        !["Sep 2025", "Oct 2025", "Nov 2025", "Dec 2025"].iter().any(|m| svg.contains(m)),
        "no English month: {svg}"
    );
    let values = |svg: &str| -> Vec<String> {
        svg.split("<text")
            .skip(1)
            .filter_map(|t| t.split('>').nth(1)?.split('<').next().map(str::trim).map(String::from))
            .collect()
    };
    // Bars up to 1.0: the value axis has fractions (0.2, 0.4, ...).
    let month = [("août 25".to_string(), 1.0)];
    let bars = charts::bars(Lang::Fr, "b", "Md EUR", &month, None, (640, 360));
    let texts = values(&bars);
    assert!(texts.iter().any(|t| t == "0,2" || t == "0,5"), "a decimal comma on the value axis: {texts:?}");
    assert!(!texts.iter().any(|t| t.contains('.') && t.chars().all(|c| c.is_ascii_digit() || c == '.')), "{texts:?}");
    let english = charts::bars(Lang::En, "b", "EUR bn", &month, None, (640, 360));
    assert!(values(&english).iter().any(|t| t == "0.2" || t == "0.5"), "English keeps its decimal point");
    assert!(bars.contains("Compté dans le mois"), "{bars}");
}

#[test]
fn a_long_legend_entry_wraps_inside_the_chart() {
    let label = "Objectif : 5 000 000 000,00 USD d’ici le 2025-12-31 (besoin déclaré par l’Ukraine)";
    let goal = [Level { label, value: 5.0 }];
    let chart = charts::cumulative(Lang::Fr, "c", "Md USD", &sample_lines(), &goal, (640, 360));
    for svg in renderings(&chart) {
        let width = attributes(svg, "width")[0];
        let legend = svg.split_once("<g class=\"legend\">").expect("a legend group").1;
        let font = attributes(legend, "font-size")[0];
        let mut lines = Vec::new();
        for piece in legend.split("<tspan x=\"").skip(1).chain(legend.split("<text x=\"").skip(1)) {
            let x: f64 = piece.split('"').next().and_then(|x| x.parse().ok()).expect("an x");
            let text = piece.split_once('>').map(|(_, rest)| rest.split('<').next().unwrap_or("").trim()).unwrap_or("");
            if !text.is_empty() {
                lines.push((x, text.to_string()));
            }
        }
        let all: String = lines.iter().map(|(_, text)| text.as_str()).collect::<Vec<_>>().join(" ");
        assert!(all.contains("besoin déclaré"), "the whole label is drawn: {lines:?}");
        for (x, text) in &lines {
            // 0.6 em a character bounds the width of this sans-serif text.
            let right = x + 0.6 * font * text.chars().count() as f64;
            assert!(right <= width, "{text:?} ends at {right:.0}, beyond the chart's {width}");
        }
    }
}
