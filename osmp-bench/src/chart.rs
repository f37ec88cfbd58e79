//! The echo scenarios as an SVG chart: throughput and server CPU per request of jsonrpsee
//! and osmp relative to the baseline, with the targets drawn as guides.

use std::path::Path;

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::load::EchoResult;
use crate::Kind;

/// The servers drawn as bars, in this order within each scenario; the baseline is the 1.0 line.
const BARS: [(Kind, RGBColor); 2] = [(Kind::Jsonrpsee, RGBColor(230, 159, 0)), (Kind::Osmp, RGBColor(0, 114, 178))];
/// Each bar's width, in scenarios (a scenario's group is 1 wide).
const BAR_WIDTH: f64 = 0.34;
const SIZE: (u32, u32) = (1280, 620);
const FONT: &str = "sans-serif";

/// One server's figures in one echo scenario.
#[derive(Debug, Clone, Copy)]
struct ServerFigures {
    kind: Kind,
    rate: f64,
    cpu_per_request: f64,
}

/// One echo scenario's figures, as the chart needs them.
#[derive(Debug, Clone)]
pub struct EchoFigures {
    /// `ws` or `wss`.
    transport: &'static str,
    /// As the suite names it: `16x16`, `wss-16x16`, ….
    scenario: String,
    servers: Vec<ServerFigures>,
}

impl EchoFigures {
    pub fn new(transport: &'static str, scenario: &str, results: &[(Kind, EchoResult)]) -> EchoFigures {
        let servers = results
            .iter()
            .map(|(kind, result)| ServerFigures {
                kind: *kind,
                rate: result.rate(),
                cpu_per_request: result.cpu_per_request(),
            })
            .collect();
        EchoFigures { transport, scenario: scenario.to_owned(), servers }
    }

    /// `ws 16×16`, `wss 64×4`.
    fn label(&self) -> String {
        let name = self.scenario.strip_prefix("wss-").unwrap_or(&self.scenario);
        format!("{} {}", self.transport, name.replace('x', "×"))
    }

    /// This scenario's bars for one panel: each server's figure ÷ the baseline's.
    fn ratios(&self, figure: fn(&ServerFigures) -> f64) -> Option<Vec<(usize, f64)>> {
        let get = |kind| self.servers.iter().find(|s| s.kind == kind);
        let baseline = figure(get(Kind::Baseline)?);
        let bars =
            BARS.iter().enumerate().filter_map(|(index, (kind, _))| Some((index, figure(get(*kind)?) / baseline)));
        (baseline > 0.0).then(|| bars.collect())
    }
}

/// One of the two panels side by side.
struct Panel {
    caption: &'static str,
    figure: fn(&ServerFigures) -> f64,
    target: f64,
    target_label: &'static str,
}

const PANELS: [Panel; 2] = [
    Panel {
        caption: "throughput ÷ baseline (higher is better)",
        figure: |s| s.rate,
        target: 0.9,
        target_label: "target ≥ 0.9",
    },
    Panel {
        caption: "server CPU per request ÷ baseline (lower is better)",
        figure: |s| s.cpu_per_request,
        target: 1.2,
        target_label: "target ≤ 1.2",
    },
];

/// Draws the scenarios that ran with the baseline into an SVG at `path`.
pub fn write(path: &Path, title: &str, figures: &[EchoFigures]) -> Result<(), String> {
    let drawn: Vec<&EchoFigures> = figures.iter().filter(|f| f.ratios(|s| s.rate).is_some()).collect();
    if drawn.is_empty() {
        return Err("no echo scenario ran with the baseline".to_owned());
    }
    if let Some(folder) = path.parent().filter(|folder| !folder.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder).map_err(|e| format!("{}: {e}", folder.display()))?;
    }
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let body = root.titled(title, (FONT, 22)).map_err(|e| e.to_string())?;
    for (area, panel) in body.split_evenly((1, 2)).iter().zip(&PANELS) {
        draw_panel(area, panel, &drawn)?;
    }
    root.present().map_err(|e| format!("{}: {e}", path.display()))
}

type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

fn draw_panel(area: &DrawingArea<SVGBackend, Shift>, panel: &Panel, figures: &[&EchoFigures]) -> Result<(), String> {
    // A scenario without the baseline's figure keeps its place, with no bars.
    let groups: Vec<Vec<(usize, f64)>> = figures.iter().map(|f| f.ratios(panel.figure).unwrap_or_default()).collect();
    let highest = groups.iter().flatten().map(|(_, ratio)| *ratio).fold(panel.target.max(1.0), f64::max);
    let mut chart = ChartBuilder::on(area)
        .caption(panel.caption, (FONT, 18))
        .margin(16)
        .x_label_area_size(36)
        .y_label_area_size(52)
        // Room above the tallest bar for its value and for the legend.
        .build_cartesian_2d(-0.5..groups.len() as f64 - 0.5, 0.0..highest * 1.3)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .max_light_lines(0)
        .x_labels(0)
        .y_desc("× baseline")
        .y_label_formatter(&|v| format!("{v:.1}"))
        .label_style((FONT, 14))
        .draw()
        .map_err(|e| e.to_string())?;
    draw_bars(&mut chart, &groups)?;
    draw_guides(&mut chart, panel)?;
    draw_names(&mut chart, figures)?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font((FONT, 14))
        .draw()
        .map_err(|e| e.to_string())
}

/// One bar per server and scenario (`groups[scenario]` lists `(slot in BARS, ratio)`), its value on top.
fn draw_bars(chart: &mut Chart, groups: &[Vec<(usize, f64)>]) -> Result<(), String> {
    let value_style = TextStyle::from((FONT, 13).into_font()).pos(Pos::new(HPos::Center, VPos::Bottom));
    for (slot, (kind, color)) in BARS.iter().enumerate() {
        let bars: Vec<(f64, f64)> = groups
            .iter()
            .enumerate()
            .flat_map(|(group, bars)| bars.iter().filter(|(s, _)| *s == slot).map(move |(_, r)| (group as f64, *r)))
            .collect();
        // The group's bars side by side around its centre.
        let left = |group: f64| group - BAR_WIDTH - 0.01 + slot as f64 * (BAR_WIDTH + 0.02);
        let color = *color;
        chart
            .draw_series(bars.iter().map(|&(group, ratio)| {
                Rectangle::new([(left(group), 0.0), (left(group) + BAR_WIDTH, ratio)], color.filled())
            }))
            .map_err(|e| e.to_string())?
            .label(kind.name())
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], color.filled()));
        chart
            .draw_series(bars.iter().map(|&(group, ratio)| {
                EmptyElement::at((left(group) + BAR_WIDTH / 2.0, ratio))
                    + Text::new(format!("{ratio:.2}"), (0, -3), value_style.clone())
            }))
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// The baseline's 1.0 line across the panel, and the target's dashed one.
fn draw_guides(chart: &mut Chart, panel: &Panel) -> Result<(), String> {
    let (left, right) = (chart.x_range().start, chart.x_range().end);
    chart
        .draw_series(std::iter::once(PathElement::new([(left, 1.0), (right, 1.0)], BLACK.stroke_width(2))))
        .map_err(|e| e.to_string())?
        .label("baseline = 1.0")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 14, y)], BLACK.stroke_width(2)));
    let target = [(left, panel.target), (right, panel.target)];
    chart
        .draw_series(std::iter::once(DashedPathElement::new(target, 8, 5, RED.stroke_width(2))))
        .map_err(|e| e.to_string())?
        .label(panel.target_label)
        .legend(|(x, y)| PathElement::new([(x, y), (x + 14, y)], RED.stroke_width(2)));
    Ok(())
}

/// Each scenario's name under its bars (the x axis has no numbers of its own).
fn draw_names(chart: &mut Chart, figures: &[&EchoFigures]) -> Result<(), String> {
    let name_style = TextStyle::from((FONT, 15).into_font()).pos(Pos::new(HPos::Center, VPos::Top));
    chart
        .draw_series(figures.iter().enumerate().map(|(group, figures)| {
            EmptyElement::at((group as f64, 0.0)) + Text::new(figures.label(), (0, 8), name_style.clone())
        }))
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(transport: &'static str, scenario: &str, osmp_rate: f64) -> EchoFigures {
        let server = |kind, rate, cpu_per_request| ServerFigures { kind, rate, cpu_per_request };
        EchoFigures {
            transport,
            scenario: scenario.to_owned(),
            servers: vec![
                server(Kind::Baseline, 100.0, 2.0),
                server(Kind::Jsonrpsee, 50.0, 4.0),
                server(Kind::Osmp, osmp_rate, 2.2),
            ],
        }
    }

    #[test]
    fn bars_are_ratios_to_the_baseline() {
        let ratios = figures("ws", "16x16", 95.0).ratios(|s| s.rate);
        assert_eq!(ratios, Some(vec![(0, 0.5), (1, 0.95)]));
        let alone = EchoFigures { servers: vec![], ..figures("ws", "1x1", 1.0) };
        assert_eq!(alone.ratios(|s| s.rate), None);
        assert_eq!(figures("wss", "wss-64x4", 1.0).label(), "wss 64×4");
    }

    #[test]
    fn writes_ws_and_wss_groups() {
        let path = std::env::temp_dir().join(format!("osmp-bench-chart-{}.svg", std::process::id()));
        let all = [figures("ws", "16x16", 95.0), figures("wss", "wss-16x16", 80.0)];
        write(&path, "test chart", &all).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        let _ = std::fs::remove_file(&path);
        for text in ["test chart", "ws 16×16", "wss 16×16", "target ≥ 0.9", "target ≤ 1.2", "0.95", "0.80", "osmp"]
        {
            assert!(svg.contains(text), "no {text:?} in the chart");
        }
        assert!(svg.trim_end().ends_with("</svg>"));
    }
}
