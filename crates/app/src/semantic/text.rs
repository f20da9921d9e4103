//! The text of each item kind: what is embedded, the title a search result shows, the body its
//! snippet is cut from, and the hash that tells whether the embedded text changed.
//!
//! - product: name, category, description, key features, target audience, competitive
//!   advantages, use cases (not the pricing object);
//! - client: name, company, title, industry, pain points, goals, objections, communication
//!   style, decision criteria (not the e-mail address);
//! - script: name, description, the script, key talking points;
//! - email: name, subject, body, call to action;
//! - interaction: its text (its title, "user message #3", is not embedded).
//!
//! Embedded text is at most [`MAX_EMBEDDED_CHARS`] characters (embedding models read a few
//! hundred tokens at most; the beginning says what an item is).

use hellosales_domain::semantic::IndexedItem;
use hellosales_domain::sessions::InteractionRole;
use sha2::{Digest, Sha256};
use std::fmt::Write as _;

/// The most characters of an item's text that are embedded.
pub const MAX_EMBEDDED_CHARS: usize = 4_000;

/// An item's title and the text below it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemText {
    /// What a result is called.
    pub title: String,
    /// The rest of the text, one fact per line.
    pub body: String,
    /// Whether the title is part of what is embedded (an interaction's is not).
    embeds_title: bool,
}

impl ItemText {
    /// The text that is embedded, at most [`MAX_EMBEDDED_CHARS`] characters.
    #[must_use]
    pub fn embedded(&self) -> String {
        let full = if self.embeds_title && !self.body.is_empty() {
            format!("{}\n{}", self.title, self.body)
        } else if self.embeds_title {
            self.title.clone()
        } else {
            self.body.clone()
        };
        match full.char_indices().nth(MAX_EMBEDDED_CHARS) {
            Some((cut, _)) => full[..cut].to_owned(),
            None => full,
        }
    }
}

/// The text of `item`.
#[must_use]
pub fn item_text(item: &IndexedItem) -> ItemText {
    let mut lines = Lines::default();
    let title = match item {
        IndexedItem::Product(product) => {
            let f = &product.fields;
            lines.labelled("Category", f.category.as_deref());
            lines.plain(f.description.as_deref());
            lines.list("Key features", &f.key_features);
            lines.labelled("Target audience", f.target_audience.as_deref());
            lines.labelled(
                "Competitive advantages",
                f.competitive_advantages.as_deref(),
            );
            lines.list("Use cases", &f.use_cases);
            f.name.clone()
        }
        IndexedItem::Client(client) => {
            let f = &client.fields;
            lines.labelled("Company", f.company.as_deref());
            lines.labelled("Title", f.title.as_deref());
            lines.labelled("Industry", f.industry.as_deref());
            lines.list("Pain points", &f.pain_points);
            lines.list("Goals", &f.goals);
            lines.list("Objections", &f.objection_patterns);
            lines.labelled("Communication style", f.communication_style.as_deref());
            lines.list("Decision criteria", &f.decision_criteria);
            f.name.clone()
        }
        IndexedItem::Script(script) => {
            let f = &script.fields;
            lines.plain(f.description.as_deref());
            lines.plain(Some(&f.content));
            lines.list("Key talking points", &f.key_talking_points);
            f.name.clone()
        }
        IndexedItem::Email(email) => {
            let f = &email.fields;
            lines.labelled("Subject", Some(&f.subject));
            lines.plain(Some(&f.body));
            lines.labelled("Call to action", f.call_to_action.as_deref());
            f.name.clone()
        }
        IndexedItem::Interaction(interaction) => {
            lines.plain(Some(&interaction.content));
            let who = match interaction.role {
                InteractionRole::User => "user",
                InteractionRole::Assistant => "assistant",
                InteractionRole::System => "system",
            };
            return ItemText {
                title: format!("{who} message #{}", interaction.sequence_number),
                body: lines.0,
                embeds_title: false,
            };
        }
    };
    ItemText {
        title,
        body: lines.0,
        embeds_title: true,
    }
}

/// SHA-256 of `text`, in lower-case hex (64 characters).
#[must_use]
pub fn content_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    let mut hex = String::with_capacity(64);
    for byte in digest {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// Lines of facts, skipping empty ones.
#[derive(Default)]
struct Lines(String);

impl Lines {
    fn push(&mut self, line: &str) {
        if !self.0.is_empty() {
            self.0.push('\n');
        }
        self.0.push_str(line);
    }

    fn plain(&mut self, text: Option<&str>) {
        if let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) {
            self.push(text);
        }
    }

    fn labelled(&mut self, label: &str, text: Option<&str>) {
        if let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) {
            self.push(&format!("{label}: {text}"));
        }
    }

    fn list(&mut self, label: &str, items: &[String]) {
        if !items.is_empty() {
            self.push(&format!("{label}: {}", items.join("; ")));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use hellosales_domain::content::{Product, ProductFields};
    use hellosales_domain::sessions::{InputType, Interaction};
    use hellosales_domain::{InteractionId, OrgId, ProductId, SessionId};

    fn product(fields: ProductFields) -> IndexedItem {
        IndexedItem::Product(Product {
            id: ProductId::new(),
            org_id: OrgId::new(),
            fields,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        })
    }

    #[test]
    fn a_product_embeds_its_name_and_facts_but_not_its_price() {
        let item = product(ProductFields {
            name: "Zephyr".into(),
            category: Some("Analytics".into()),
            description: Some("  Dashboards for sales teams. ".into()),
            key_features: vec!["alerts".into(), "exports".into()],
            pricing_info: serde_json::json!({"seat": 900})
                .as_object()
                .cloned()
                .unwrap_or_default(),
            ..ProductFields::new_active()
        });
        let text = item_text(&item);
        assert_eq!(text.title, "Zephyr");
        assert_eq!(
            text.embedded(),
            "Zephyr\nCategory: Analytics\nDashboards for sales teams.\nKey features: alerts; exports"
        );
        assert!(!text.embedded().contains("900"));
    }

    #[test]
    fn an_interaction_embeds_its_text_only_and_long_texts_are_cut() {
        let item = IndexedItem::Interaction(Interaction {
            id: InteractionId::new(),
            session_id: SessionId::new(),
            role: InteractionRole::Assistant,
            message_id: None,
            input_type: InputType::Text,
            content: "é".repeat(MAX_EMBEDDED_CHARS + 10),
            transcript: None,
            audio_duration_ms: None,
            stt_provider_call_id: None,
            llm_provider_call_id: None,
            sequence_number: 4,
            metadata: serde_json::json!({}),
            created_at: Utc::now(),
        });
        let text = item_text(&item);
        assert_eq!(text.title, "assistant message #4");
        assert_eq!(text.embedded().chars().count(), MAX_EMBEDDED_CHARS);
    }

    #[test]
    fn hashes_are_stable_hex_and_tell_texts_apart() {
        assert_eq!(
            content_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_ne!(content_hash("a"), content_hash("b"));
    }
}
