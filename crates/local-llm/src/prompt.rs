//! The prompt as the model was trained to read it: the GGUF's chat template when it has one
//! that llama.cpp knows, ChatML otherwise (SmolLM2 and Qwen use ChatML).

use hellosales_domain::ports::ChatMessage;
use llama_cpp_2::model::{LlamaChatMessage, LlamaChatTemplate, LlamaModel};

/// The model's chat template, read once at load.
#[derive(Debug)]
pub struct PromptFormat {
    template: Option<LlamaChatTemplate>,
}

impl PromptFormat {
    /// The format of `model`.
    pub fn of(model: &LlamaModel) -> Self {
        Self {
            template: model.chat_template(None).ok(),
        }
    }

    /// The prompt text for `messages`, ending where the assistant's answer begins.
    pub fn render(&self, model: &LlamaModel, messages: &[ChatMessage]) -> String {
        if let Some(template) = &self.template {
            let chat: Option<Vec<LlamaChatMessage>> = messages
                .iter()
                .map(|m| {
                    LlamaChatMessage::new(m.role.as_str().to_owned(), without_nul(&m.content)).ok()
                })
                .collect();
            if let Some(chat) = chat
                && let Ok(prompt) = model.apply_chat_template(template, &chat, true)
            {
                return prompt;
            }
        }
        chatml(messages)
    }
}

/// ChatML: `<|im_start|>role\ncontent<|im_end|>\n` per message, then the assistant's header.
pub fn chatml(messages: &[ChatMessage]) -> String {
    let mut prompt = String::new();
    for message in messages {
        prompt.push_str("<|im_start|>");
        prompt.push_str(message.role.as_str());
        prompt.push('\n');
        prompt.push_str(&message.content);
        prompt.push_str("<|im_end|>\n");
    }
    prompt.push_str("<|im_start|>assistant\n");
    prompt
}

/// C strings cannot hold NUL; a NUL in a message carries no meaning for the model.
fn without_nul(text: &str) -> String {
    text.replace('\0', "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chatml_frames_each_message_and_opens_the_answer() {
        let prompt = chatml(&[ChatMessage::system("Be brief."), ChatMessage::user("Hi")]);
        assert_eq!(
            prompt,
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n\
             <|im_start|>assistant\n"
        );
    }
}
