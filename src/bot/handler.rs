//! The serenity event handler: it only dispatches. Each event passes the
//! shutdown gate, then goes to its path: messages, edits and reactions to
//! [`super::drafts`], slash commands to [`super::commands`], buttons and
//! forms to [`super::interactions`], READY to the command registration and
//! [`super::catch_up`].

use super::state::{Bot, Origin};
use serenity::all::{Context, EventHandler, Interaction, Message, MessageUpdateEvent, Reaction, Ready};
use std::sync::Arc;
use tracing::info;

/// The serenity side: each event checks the gate, then hands over to [`Bot`].
pub(crate) struct Handler {
    bot: Arc<Bot>,
}

impl Handler {
    pub(crate) fn new(bot: Arc<Bot>) -> Handler {
        Handler { bot }
    }
}

#[serenity::async_trait]
impl EventHandler for Handler {
    /// READY follows a fresh IDENTIFY (a RESUME gets RESUMED and replays
    /// instead): register the commands, then catch up on the messages posted
    /// while no session was open.
    async fn ready(&self, ctx: Context, ready: Ready) {
        info!(guilds = ready.guilds.len(), session_shard = ?ready.shard.map(|s| s.id.0), "gateway ready");
        ctx.http.set_application_id(ready.application.id);
        if let Some(http) = self.bot.http.get() {
            http.set_application_id(ready.application.id);
        }
        let guilds: Vec<_> = ready.guilds.iter().map(|g| g.id).collect();
        super::commands::register(self.bot.http_or(&ctx), self.bot.config.commands, &guilds).await;
        super::catch_up::run(&self.bot, self.bot.http_or(&ctx)).await;
    }

    async fn guild_create(&self, ctx: Context, guild: serenity::all::Guild, is_new: Option<bool>) {
        // A server that added the bot while it runs gets its commands now.
        if is_new == Some(true) && self.bot.config.commands == super::config::CommandScope::Guild {
            super::commands::register(self.bot.http_or(&ctx), self.bot.config.commands, &[guild.id]).await;
        }
    }

    async fn message(&self, ctx: Context, msg: Message) {
        let Some(_open) = self.bot.enter().await else { return };
        self.bot.on_message(self.bot.http_or(&ctx), msg, Origin::Live).await;
    }

    async fn message_update(&self, ctx: Context, _old: Option<Message>, _new: Option<Message>, ev: MessageUpdateEvent) {
        let Some(_open) = self.bot.enter().await else { return };
        self.bot.on_update(self.bot.http_or(&ctx), ev).await;
    }

    async fn reaction_add(&self, ctx: Context, reaction: Reaction) {
        let Some(_open) = self.bot.enter().await else { return };
        self.bot.on_reaction(self.bot.http_or(&ctx), reaction).await;
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        let Some(_open) = self.bot.enter().await else { return };
        let http = self.bot.http_or(&ctx);
        match interaction {
            Interaction::Command(cmd) => super::commands::handle(&self.bot, http, cmd).await,
            Interaction::Component(click) => super::interactions::on_click(&self.bot, http, click).await,
            Interaction::Modal(form) => super::interactions::on_form(&self.bot, http, form).await,
            _ => {}
        }
    }
}
