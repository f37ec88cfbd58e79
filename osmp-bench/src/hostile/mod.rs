//! The hostile scenario: the attacks of the hostile-peers issue (half-sent messages, a peer
//! that never reads, the server-wide command limit, floods of cheap commands, bursts of
//! logins), each against a fresh osmp server child, while a well-behaved control session
//! measures its round trips and the server's resident size and threads are sampled from
//! `/proc`. Prints what the server held before, at its peak and some seconds after the
//! attackers were gone, the control session's latency before and during the attack, and
//! what the server did to the attackers.

mod control;
mod ending;
mod floods;
mod half_sent;
mod login_burst;
mod non_reading;
mod sampler;
mod tally;

use std::time::{Duration, Instant};

use control::{Control, Latency};
use login_burst::Sources;
use sampler::Sampler;

use crate::load::ServerProcess;
use crate::sys::ProcessStatus;
use crate::Kind;

/// What an attack reports of itself.
pub struct Outcome {
    /// What the attack sent: its size.
    pub size: String,
    /// What the server did to the attackers.
    pub attackers: String,
    /// Further figures.
    pub notes: Vec<String>,
}

/// The attacks, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attack {
    HalfSent,
    NonReading,
    Waits,
    Floods,
    Logins,
    LoginsSpread,
}

impl Attack {
    pub const ALL: [Attack; 6] =
        [Attack::HalfSent, Attack::NonReading, Attack::Waits, Attack::Floods, Attack::Logins, Attack::LoginsSpread];

    /// The name `--attacks` takes.
    pub fn name(self) -> &'static str {
        match self {
            Attack::HalfSent => "half-sent",
            Attack::NonReading => "non-reading",
            Attack::Waits => "waits",
            Attack::Floods => "floods",
            Attack::Logins => "logins",
            Attack::LoginsSpread => "logins-spread",
        }
    }

    pub fn parse(name: &str) -> Option<Attack> {
        Attack::ALL.into_iter().find(|attack| attack.name() == name)
    }

    fn title(self) -> &'static str {
        match self {
            Attack::HalfSent => "half-sent messages",
            Attack::NonReading => "peer not reading",
            Attack::Waits => "waits, server-wide",
            Attack::Floods => "cheap floods",
            Attack::Logins => "login burst, 1 addr",
            Attack::LoginsSpread => "login burst, 200 addr",
        }
    }

    /// Whether the server needs accounts (and requires logins) for this attack.
    fn needs_accounts(self) -> bool {
        matches!(self, Attack::Logins | Attack::LoginsSpread)
    }

    async fn run(self, server: &ServerProcess, settings: &Settings) -> Result<Outcome, String> {
        match self {
            Attack::HalfSent => half_sent::run(server).await,
            Attack::NonReading => non_reading::run(server).await,
            Attack::Waits => floods::waits(server).await,
            Attack::Floods => floods::cheap(server, settings.flood).await,
            Attack::Logins => login_burst::run(server, Sources::OneAddress).await,
            Attack::LoginsSpread => login_burst::run(server, Sources::OneAddressEach).await,
        }
    }
}

/// How long each phase of a trial lasts.
pub struct Settings {
    /// The control session alone, before the attack: its latency is the baseline.
    baseline: Duration,
    /// From the attackers' end to the readings of the resident size "after": soon, and
    /// later (allocators that give memory back on a timer, such as jemalloc's 10 s decay,
    /// show it only then).
    after: [Duration; 2],
    /// How long the cheap floods last.
    flood: Duration,
}

impl Settings {
    pub fn new(quick: bool) -> Settings {
        if quick {
            let after = [Duration::from_secs(2), Duration::from_secs(6)];
            Settings { baseline: Duration::from_secs(1), after, flood: Duration::from_secs(2) }
        } else {
            let after = [Duration::from_secs(5), Duration::from_secs(15)];
            Settings { baseline: Duration::from_secs(2), after, flood: Duration::from_secs(4) }
        }
    }
}

/// What one trial measured.
struct Trial {
    outcome: Outcome,
    before: ProcessStatus,
    peak: ProcessStatus,
    after: [ProcessStatus; 2],
    control_before: Latency,
    control_during: Latency,
    attack_time: Duration,
}

/// Runs each attack against a fresh server and prints a row for it as soon as it is done.
pub async fn run(attacks: &[Attack], settings: &Settings) -> Result<(), String> {
    println!("## hostile: the attacks of the hostile-peers issue, each against a fresh osmp server");
    println!(
        "control session: one echo every 10 ms throughout; RSS and threads sampled every 20 ms; \"after\": {} s and {} \
         s after the attackers are gone",
        settings.after[0].as_secs(),
        settings.after[1].as_secs()
    );
    println!(
        "{:<22} {:>10} {:>10} {:>10} {:>10} {:>8} {:>7}   control p50 / p99 / max ms: before → during",
        "attack",
        "RSS before",
        "peak",
        format!("after {} s", settings.after[0].as_secs()),
        format!("{} s", settings.after[1].as_secs()),
        "threads",
        "lasted"
    );
    for &attack in attacks {
        let trial = trial(attack, settings).await.map_err(|error| format!("{}: {error}", attack.name()))?;
        print_trial(attack, &trial);
    }
    println!();
    Ok(())
}

async fn trial(attack: Attack, settings: &Settings) -> Result<Trial, String> {
    let options: &[&str] =
        if attack.needs_accounts() { &["--default-limits", "--accounts"] } else { &["--default-limits"] };
    let server = ServerProcess::start_with(Kind::Osmp, options)?;
    let sampler = Sampler::start(server.pid());
    let control = Control::start(format!("ws://{}/osmp/v1", server.addr), attack.needs_accounts())?;
    // The first round trips warm the session up; the baseline is what follows.
    let quiet_from = Instant::now() + settings.baseline / 4;
    tokio::time::sleep(settings.baseline).await;
    let before = sampler.latest();
    let began = Instant::now();
    let outcome = attack.run(&server, settings).await;
    let ended = Instant::now();
    let mut after = [ProcessStatus::default(); 2];
    for (reading, delay) in after.iter_mut().zip(settings.after) {
        tokio::time::sleep_until((ended + delay).into()).await;
        *reading = sampler.latest();
    }
    let trips = control.stop()?;
    let samples = sampler.samples();
    drop(sampler);
    drop(server);
    Ok(Trial {
        outcome: outcome?,
        before,
        peak: sampler::peak(&samples, began),
        after,
        control_before: Latency::of(&trips, quiet_from, began),
        control_during: Latency::of(&trips, began, ended),
        attack_time: ended - began,
    })
}

fn print_trial(attack: Attack, trial: &Trial) {
    let latency = |l: &Latency| {
        let failed = if l.failed > 0 { format!(" ({} FAILED)", l.failed) } else { String::new() };
        format!("{} / {} / {}{failed}", ms(l.p50), ms(l.p99), ms(l.max))
    };
    println!(
        "{:<22} {:>10} {:>10} {:>10} {:>10} {:>8} {:>6.1}s   {} → {}",
        attack.title(),
        mib(trial.before.rss),
        mib(trial.peak.rss),
        mib(trial.after[0].rss),
        mib(trial.after[1].rss),
        format!("{}→{}", trial.before.threads, trial.peak.threads),
        trial.attack_time.as_secs_f64(),
        latency(&trial.control_before),
        latency(&trial.control_during),
    );
    println!("    attack:    {}", trial.outcome.size);
    println!("    attackers: {}", trial.outcome.attackers);
    for note in &trial.outcome.notes {
        println!("    {note}");
    }
    for (phase, latency) in [("before", &trial.control_before), ("during", &trial.control_during)] {
        if let Some(failure) = &latency.first_failure {
            println!(
                "    control session {phase} the attack: {} round trips FAILED, the first with: {failure}",
                latency.failed
            );
        }
    }
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / f64::from(1 << 20))
}

/// Milliseconds with the precision that matters at their size.
fn ms(duration: Duration) -> String {
    let ms = duration.as_secs_f64() * 1e3;
    if ms < 10.0 {
        format!("{ms:.2}")
    } else if ms < 100.0 {
        format!("{ms:.1}")
    } else {
        format!("{ms:.0}")
    }
}
