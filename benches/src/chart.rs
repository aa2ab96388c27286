//! The SVG chart of a report: for every program, one bar per VM giving its time relative to
//! native code, on a logarithmic axis, with native code as the line at 1.

use anyhow::{anyhow, bail, Result};
use plotters::prelude::*;

use crate::report::Report;

/// Bar colours, one per VM column after native (cycled).
const COLOURS: [RGBColor; 6] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
];

/// One bar: program index, VM series index, ratio to native.
type Bar = (usize, usize, f64);

/// Renders the chart as an SVG document. Needs a `native` column and at least one other VM.
pub fn svg(report: &Report, title: &str) -> Result<String> {
    let native = report.column("native").ok_or_else(|| anyhow!("the chart needs native times"))?;
    let series: Vec<usize> = (0..report.vms.len()).filter(|&c| c != native).collect();
    let mut bars: Vec<Bar> = Vec::new();
    for (index, row) in report.rows.iter().enumerate() {
        let Some(base) = row.times.get(native).copied().flatten() else { continue };
        for (s, &column) in series.iter().enumerate() {
            if let Some(time) = row.times.get(column).copied().flatten() {
                bars.push((index, s, time.as_secs_f64() / base.as_secs_f64().max(1e-12)));
            }
        }
    }
    if bars.is_empty() {
        bail!("nothing to chart: no program has native and VM times");
    }
    let top = bars.iter().map(|b| b.2).fold(1.0f64, f64::max) * 2.0;
    let bottom = bars.iter().map(|b| b.2).fold(1.0f64, f64::min) / 2.0;
    let programs = report.rows.len();
    let width = (160 + programs * 24 * series.len().max(1)).clamp(800, 1600) as u32;
    let mut text = String::new();
    draw(&mut text, (width, 520), title, report, &series, &bars, (bottom, top), programs)
        .map_err(|e| anyhow!("draw chart: {e}"))?;
    Ok(text)
}

#[allow(clippy::too_many_arguments)] // one drawing, its inputs spelled out
fn draw(
    out: &mut String,
    size: (u32, u32),
    title: &str,
    report: &Report,
    series: &[usize],
    bars: &[Bar],
    (bottom, top): (f64, f64),
    programs: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::with_string(out, size).into_drawing_area();
    root.fill(&WHITE)?;
    let names: Vec<String> = report.rows.iter().map(|r| r.program.clone()).collect();
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(-0.5f64..programs as f64 - 0.5, (bottom..top).log_scale())?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(programs)
        .x_label_formatter(&|x| {
            let index = x.round();
            if (x - index).abs() < 0.01 && index >= 0.0 {
                names.get(index as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .y_desc("time relative to native code (log scale; lower is faster)")
        .y_label_formatter(&|y| format!("{y}x"))
        .draw()?;
    let slot = 0.8 / series.len().max(1) as f64;
    for (s, &column) in series.iter().enumerate() {
        let colour = COLOURS[s % COLOURS.len()];
        let rects = bars.iter().filter(|b| b.1 == s).map(move |&(program, _, ratio)| {
            let left = program as f64 - 0.4 + slot * s as f64;
            Rectangle::new([(left, bottom), (left + slot * 0.9, ratio)], colour.filled())
        });
        chart
            .draw_series(rects)?
            .label(report.vms[column].name.clone())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], colour.filled()));
    }
    chart
        .draw_series(std::iter::once(PathElement::new([(-0.5, 1.0), (programs as f64 - 0.5, 1.0)], BLACK)))?
        .label("native = 1")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 12, y)], BLACK));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::report::{Row, VmInfo};

    #[test]
    fn draws_one_bar_per_measured_pair() {
        let vm = |name: &str| VmInfo { name: name.into(), what: String::new() };
        let mut report = Report::new([vm("native"), vm("gannet-interp"), vm("wasmi")]);
        let ms = |v: u64| Some(Duration::from_millis(v));
        report.rows.push(Row { program: "alu".into(), n: 1, times: vec![ms(1), ms(10), ms(30)] });
        report.rows.push(Row { program: "sort".into(), n: 1, times: vec![ms(2), None, ms(8)] });
        let svg = svg(&report, "suite").expect("draws");
        assert!(svg.starts_with("<svg"), "{}", &svg[..svg.len().min(80)]);
        for label in ["alu", "sort", "gannet-interp", "wasmi", "native = 1"] {
            assert!(svg.contains(label), "missing {label}");
        }
        // Three measured pairs: three filled bars in the two series colours.
        let bars = svg.matches("fill=\"#1F77B4\"").count() + svg.matches("fill=\"#FF7F0E\"").count();
        assert!(bars >= 3, "{bars} bars");
    }

    #[test]
    fn needs_native_times() {
        let report = Report::new([VmInfo { name: "wasmi".into(), what: String::new() }]);
        assert!(svg(&report, "x").is_err());
    }
}
