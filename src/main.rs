//! CLI: parses arguments, starts the writer, runs a command, exits with its code.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::io::Write;

use source_tiktok_ads::commands;
use source_tiktok_ads::config::Environment;
use source_tiktok_ads::protocol::{FailureType, Message};
use source_tiktok_ads::read::Output;
use source_tiktok_ads::secrets::redact;

#[derive(Parser)]
#[command(
    name = "source-tiktok-ads",
    version,
    about = "Airbyte source for TikTok Ads (TikTok API for Business v1.3)"
)]
struct Cli {
    /// Accepted for compatibility with Airbyte tooling; has no effect.
    #[arg(long, global = true)]
    debug: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the connector specification.
    Spec,
    /// Check the credentials and every configured account.
    Check {
        #[arg(long)]
        config: PathBuf,
    },
    /// Print the catalog of streams.
    Discover {
        #[arg(long)]
        config: PathBuf,
    },
    /// Read the streams of a configured catalog.
    Read {
        #[arg(long)]
        config: PathBuf,
        #[arg(long)]
        catalog: PathBuf,
        #[arg(long)]
        state: Option<PathBuf>,
    },
    /// Print the URL where an advertiser authorizes your app (TikTok then shows the auth code).
    AuthUrl {
        #[arg(long)]
        app_id: String,
        #[arg(long)]
        redirect_uri: String,
        #[arg(long, default_value = "source-tiktok-ads")]
        state: String,
        #[arg(long)]
        sandbox: bool,
        /// Another host for the page (a local emulator); same rules as the config's api_base_url.
        #[arg(long, hide = true)]
        api_base_url: Option<String>,
    },
    /// Exchange the config's auth_code for a long-term token and print the config to use from now on.
    ExchangeCode {
        #[arg(long)]
        config: PathBuf,
    },
}

fn main() {
    // Records of this run are stamped after it began (see `protocol::mark_start`).
    source_tiktok_ads::protocol::mark_start();
    tune_allocator();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            // No writer without a runtime: one line straight to stdout.
            let mut line = Vec::new();
            Message::error(
                FailureType::SystemError,
                &format!("Cannot start the async runtime: {e}"),
                None,
                None,
            )
            .to_line(&mut line);
            let _ = std::io::stdout().write_all(&line);
            std::process::exit(1);
        }
    };
    let code = runtime.block_on(run(cli.command));
    // Readers still waiting on a slow server must not hold the exit.
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    std::process::exit(code);
}

async fn run(command: Command) -> i32 {
    let (out, writer) = Output::stdout();
    let code = match command {
        Command::Spec => commands::spec(&out).await,
        Command::Check { config } => commands::check(&config, &out).await,
        Command::Discover { config } => commands::discover(&config, &out).await,
        Command::Read {
            config,
            catalog,
            state,
        } => {
            // SIGTERM is caught from the read's start, so that it is never the default action (an
            // exit without state or ERROR trace) at one moment and an orderly stop at another.
            let stop = stop_signal();
            match commands::now() {
                Ok(now) => {
                    commands::read(&config, &catalog, state.as_deref(), now, &out, stop).await
                }
                Err(e) => clock_failed(&out, &e).await,
            }
        }
        Command::AuthUrl {
            app_id,
            redirect_uri,
            state,
            sandbox,
            api_base_url,
        } => {
            let env = if sandbox {
                Environment::Sandbox
            } else {
                Environment::Production
            };
            let printed =
                commands::auth_url(&app_id, &redirect_uri, &state, env, api_base_url.as_deref())
                    .map(|url| println!("{url}"))
                    .map_err(anyhow::Error::from);
            exit_code_for_a_person(printed, 2)
        }
        Command::ExchangeCode { config } => {
            exit_code_for_a_person(print_exchanged_config(&config).await, 1)
        }
    };
    out.close().await;
    writer.join();
    code
}

/// The two helper commands talk to a person at a terminal, not to Airbyte: the result is printed
/// as text (errors on stderr with their causes, secrets masked), and no protocol message is sent.
fn exit_code_for_a_person(result: anyhow::Result<()>, failure_code: i32) -> i32 {
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("{}", redact(&format!("{e:#}")));
            failure_code
        }
    }
}

async fn print_exchanged_config(config: &std::path::Path) -> anyhow::Result<()> {
    let new_config = commands::exchange_code(config).await?;
    let text = serde_json::to_string_pretty(&new_config).context("Cannot print the new config")?;
    println!("{text}");
    Ok(())
}

async fn clock_failed(out: &Output, e: &source_tiktok_ads::error::Error) -> i32 {
    out.emit(Message::error(e.failure_type(), &e.to_string(), None, None))
        .await;
    1
}

/// glibc's allocator gives each thread an arena of its own, and every arena keeps the pages a
/// multi-MB answer once needed: with the runtime's threads and the writer, the process holds
/// several copies of its largest page. One arena serves them all (the lock is cheap next to the
/// work done per page), so the process's memory follows what it holds, not what it once held.
fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; it is called before any other thread
    // exists, and a refused value leaves glibc's default.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

/// Resolves when the platform asks the connector to stop (SIGTERM, or Ctrl-C by hand). The
/// handlers are installed when this is called, not when the future is first awaited.
fn stop_signal() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{signal, SignalKind};
    let term = signal(SignalKind::terminate());
    async move {
        let Ok(mut term) = term else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
}
