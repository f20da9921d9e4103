//! How an AI-written script or email came about: the session, the prompt and the model.
//! Manually written versions have none of these.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Generation metadata of a script or email version.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Generation {
    /// The session in which it was generated.
    pub generated_by_session_id: Option<Uuid>,
    /// The prompt the model was given.
    pub generation_prompt: Option<String>,
    /// The model that wrote it.
    pub model_id: Option<String>,
}
