//! CLI: parses arguments, runs a command, exits with its code.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use source_tiktok_ads::commands;
use source_tiktok_ads::config::Environment;
use source_tiktok_ads::output::Output;
use source_tiktok_ads::protocol::FailureType;
use source_tiktok_ads::protocol::Message;

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
    let cli = Cli::parse();
    let out = Output::stdout();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            out.emit(Message::error(
                FailureType::SystemError,
                &format!("Cannot start the async runtime: {e}"),
                None,
                None,
            ));
            std::process::exit(1);
        }
    };
    let code = runtime.block_on(async {
        match cli.command {
            Command::Spec => commands::spec(&out),
            Command::Check { config } => commands::check(&config, &out).await,
            Command::Discover { config } => commands::discover(&config, &out),
            Command::Read {
                config,
                catalog,
                state,
            } => match commands::now() {
                Ok(now) => commands::read(&config, &catalog, state.as_deref(), now, &out).await,
                Err(e) => {
                    out.emit(Message::error(FailureType::ConfigError, &e, None, None));
                    1
                }
            },
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
                match commands::auth_url(
                    &app_id,
                    &redirect_uri,
                    &state,
                    env,
                    api_base_url.as_deref(),
                ) {
                    Ok(url) => {
                        println!("{url}");
                        0
                    }
                    Err(e) => {
                        eprintln!("{e}");
                        2
                    }
                }
            }
            Command::ExchangeCode { config } => {
                match commands::exchange_code(&config, &out).await {
                    Ok(new_config) => {
                        println!("{}", commands::ok_json(&new_config));
                        0
                    }
                    Err(e) => {
                        eprintln!("{}", source_tiktok_ads::config::redact(&e));
                        1
                    }
                }
            }
        }
    });
    out.flush();
    std::process::exit(code);
}
