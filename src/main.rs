//! The `skillsync` command line: parses arguments, loads configuration, wires, nothing else.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tokio_util::sync::CancellationToken;

use std::collections::BTreeMap;

use skillsync::cli::{
    run_apply, run_plan, run_skills_sync, run_validate, ApplyArgs, CliError, PlanArgs,
    SkillsSyncArgs,
};
use skillsync::config::Settings;
use skillsync::feed::cli::ValidateArgs;
use skillsync::sim::{SimConfig, Simulator};

/// Keeps contact-center agents' routing skills in line with HRIS/WFM feeds.
#[derive(Debug, Parser)]
#[command(name = "skillsync", version, about)]
struct Cli {
    /// A TOML file overriding the built-in defaults (any subset of keys).
    #[arg(long, global = true, env = "SKILLSYNC_CONFIG")]
    config: Option<PathBuf>,
    /// Run only this org of the configuration's `[orgs.NAME]` (needed by validate, plan, apply
    /// and skills sync when several are configured).
    #[arg(long, global = true, env = "SKILLSYNC_ORG")]
    org: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the effective configuration, secrets redacted.
    PrintConfig,
    /// Run the platform simulator (Genesys Cloud, or NICE CXone with `--platform cxone`).
    Sim(Box<SimConfig>),
    /// Check a feed without touching any platform or database (unless --check-platform); exit 1
    /// when it is invalid.
    Validate(ValidateArgs),
    /// Show what a feed would change on the platform; makes no write call.
    Plan(PlanArgs),
    /// Make the platform match a feed and report what was done; exit 0 only when every agent
    /// converged.
    Apply(ApplyArgs),
    /// The platform's skill catalog: which skills feeds need.
    #[command(subcommand)]
    Skills(SkillsCommand),
    /// Run the daemon: ingest endpoint, scheduler, reconciler, status API and metrics.
    Serve,
    /// Run everything on this machine: the simulator, the daemon on SQLite, a sample feed.
    Demo(skillsync::demo::DemoArgs),
    /// Apply the database migrations and exit.
    Migrate,
}

/// `skillsync skills …`: commands on skill definitions rather than on agents.
#[derive(Debug, Subcommand)]
enum SkillsCommand {
    /// List the skills a feed uses that the platform lacks (exit 2 when any) and, with
    /// --create, create them.
    Sync(SkillsSyncArgs),
    /// Retire a skill: from --after it is removed from every agent, and its definition is deleted
    /// once nothing holds or references it (recorded in the database; the daemon does the work).
    Retire(skillsync::cli::RetireArgs),
}

#[tokio::main]
async fn main() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    let mut settings = Settings::load(cli.config.as_deref()).context("loading configuration")?;
    if let Some(org) = &cli.org {
        settings = settings.only_org(org)?;
    }
    let _telemetry = skillsync::telemetry::init(&settings.log, &settings.telemetry)?;
    match cli.command {
        Command::PrintConfig => {
            print!("{}", settings.to_redacted_toml());
            Ok(ExitCode::SUCCESS)
        }
        Command::Sim(config) => run_sim(*config).await.map(|()| ExitCode::SUCCESS),
        Command::Validate(args) => exit_with(
            run_validate(
                &args,
                &settings,
                std::io::stdin().lock(),
                &mut std::io::stdout().lock(),
            )
            .await,
        ),
        Command::Serve => serve(settings).await.map(|()| ExitCode::SUCCESS),
        Command::Demo(args) => {
            let shutdown = CancellationToken::new();
            tokio::spawn(cancel_on_signal(shutdown.clone()));
            skillsync::demo::run(args, shutdown).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            let url = settings.database.url.expose();
            let store = skillsync::store::Store::connect_lazy(url, 2)?;
            store.create_database_if_missing(url).await.context(
                "reaching the database (it is created when the server says it is missing)",
            )?;
            store.migrate().await.context("applying migrations")?;
            println!("migrations applied");
            Ok(ExitCode::SUCCESS)
        }
        Command::Plan(args) => exit_with(
            run_plan(
                &args,
                &settings,
                std::io::stdin().lock(),
                &mut std::io::stdout().lock(),
            )
            .await,
        ),
        Command::Skills(SkillsCommand::Sync(args)) => {
            // Skills being retired are never created; without a database they cannot be known.
            let lookup = skillsync::cli::retiring_names(&settings);
            let refused = match tokio::time::timeout(std::time::Duration::from_secs(5), lookup)
                .await
            {
                Ok(Ok(names)) => names,
                Ok(Err(e)) => {
                    eprintln!("warning: skills being retired are not known ({e})");
                    BTreeMap::new()
                }
                Err(_) => {
                    eprintln!("warning: skills being retired are not known (the database did not answer in 5 s)");
                    BTreeMap::new()
                }
            };
            exit_with(
                run_skills_sync(
                    &args,
                    &settings,
                    &refused,
                    std::io::stdin().lock(),
                    &mut std::io::stdout().lock(),
                )
                .await,
            )
        }
        Command::Skills(SkillsCommand::Retire(args)) => exit_with(
            skillsync::cli::run_retire(&args, &settings, &mut std::io::stdout().lock()).await,
        ),
        Command::Apply(args) => exit_with(
            run_apply(
                &args,
                &settings,
                std::io::stdin().lock(),
                &mut std::io::stdout().lock(),
            )
            .await,
        ),
    }
}

/// A command's exit code; errors print and exit 1.
fn exit_with(result: Result<i32, CliError>) -> anyhow::Result<ExitCode> {
    let code = result?;
    let _ = std::io::stdout().flush();
    Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)))
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let app = skillsync::app::Application::build(settings)
        .await
        .context("starting skillsync serve")?;
    tracing::info!(
        port = app.port(),
        metrics_port = app.metrics_port(),
        "listening"
    );
    let shutdown = CancellationToken::new();
    tokio::spawn(cancel_on_signal(shutdown.clone()));
    app.run_until_stopped(shutdown).await?;
    tracing::info!("stopped");
    Ok(())
}

async fn run_sim(config: SimConfig) -> anyhow::Result<()> {
    let agents = config.agents;
    let sim = Simulator::build(config).await?;
    tracing::info!(url = %sim.base_url(), agents, "simulator listening");
    let shutdown = CancellationToken::new();
    tokio::spawn(cancel_on_signal(shutdown.clone()));
    sim.run_until_stopped(shutdown).await?;
    tracing::info!("simulator stopped");
    Ok(())
}

/// Cancels `token` on SIGINT or SIGTERM.
async fn cancel_on_signal(token: CancellationToken) {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for SIGTERM");
                    let _ = ctrl_c.await;
                    token.cancel();
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    token.cancel();
}
