//! Deepgram's live transcription: one WebSocket per voice turn.
//!
//! [`open`] connects to `/v1/listen` (`ws://` or `wss://` for an `http://` or `https://` base
//! URL; TLS with rustls and the system's root certificates) with `Authorization: Token …` and
//! `interim_results=false`. Audio goes out as binary frames; [`SttStream::finish`] sends
//! `{"type":"CloseStream"}` and waits, bounded by the request timeout, until the server closes.
//! A task reads the server's messages all along (Deepgram sends final `Results` while audio is
//! still arriving): the final transcripts are joined with spaces, the duration is the one of the
//! `Metadata` message, else the sum of the results'.
//!
//! Failures: a refused handshake maps its status like an HTTP answer (401 → `Authentication`);
//! no connection → `ServerError` (`Timeout` when it does not come in time); a close without
//! any final result or metadata, or unparsable messages → `MalformedStream`; an abnormal close
//! → `BadRequest` (policy, unsupported or invalid data) or `ServerError`.

mod collected;

use crate::failure::{self, Fault};
use crate::http::ProviderHttp;
use collected::{Collected, http_safe};
use futures::stream::{SplitSink, SplitStream};
use futures::{SinkExt, StreamExt};
use hellosales_domain::error::{AppResult, ProviderFailure};
use hellosales_domain::ports::speech::{STT_OPERATION, SttStream, Transcript};
use reqwest::Url;
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::http::header::AUTHORIZATION;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The text frame that ends the audio.
const CLOSE_STREAM: &str = r#"{"type":"CloseStream"}"#;

/// Where and how a live session connects.
pub(crate) struct LiveTarget<'a> {
    /// The `http(s)://…/v1/listen?…` URL; its scheme becomes `ws(s)`.
    pub(crate) url: Url,
    pub(crate) api_key: &'a SecretString,
    pub(crate) connect_timeout: Duration,
}

/// Opens a live session.
///
/// # Errors
/// The typed failure of the connection or the handshake, for operation `stt`.
pub(crate) async fn open(http: &ProviderHttp, target: LiveTarget<'_>) -> AppResult<LiveSession> {
    let socket = connect(http, target)
        .await
        .map_err(|fault| http.error(STT_OPERATION, fault))?;
    let (sink, stream) = socket.split();
    Ok(LiveSession {
        http: http.clone(),
        sink,
        reader: Some(tokio::spawn(read_results(stream))),
    })
}

async fn connect(http: &ProviderHttp, target: LiveTarget<'_>) -> Result<Socket, Fault> {
    let mut url = target.url;
    let scheme = if url.scheme() == "https" { "wss" } else { "ws" };
    let unusable = || Fault::new(ProviderFailure::NotConfigured, "the base URL has no host");
    url.set_scheme(scheme).map_err(|()| unusable())?;
    let host = url.host_str().ok_or_else(unusable)?;
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = url.port_or_known_default().ok_or_else(unusable)?;
    let connecting = TcpStream::connect((host.as_str(), port));
    let tcp = match tokio::time::timeout(target.connect_timeout, connecting).await {
        Err(_) => {
            let ms = target.connect_timeout.as_millis();
            return Err(Fault::new(
                ProviderFailure::Timeout,
                format!("no connection within {ms} ms"),
            ));
        }
        Ok(Err(err)) => {
            let message = format!("connection failed: {err}");
            return Err(Fault::new(ProviderFailure::ServerError, message));
        }
        Ok(Ok(tcp)) => tcp,
    };
    let _ = tcp.set_nodelay(true);
    let mut request = url.as_str().into_client_request().map_err(|_| unusable())?;
    // A key that is not a valid header value is sent as none: the provider refuses.
    if let Ok(mut value) =
        HeaderValue::from_str(&format!("Token {}", target.api_key.expose_secret()))
    {
        value.set_sensitive(true);
        request.headers_mut().insert(AUTHORIZATION, value);
    }
    let handshake = tokio_tungstenite::client_async_tls_with_config(request, tcp, None, None);
    match tokio::time::timeout(http.request_timeout(), handshake).await {
        Err(_) => Err(http.timeout_fault("no handshake")),
        Ok(Err(err)) => Err(handshake_fault(err)),
        Ok(Ok((socket, _response))) => Ok(socket),
    }
}

/// The failure of a refused or broken handshake.
fn handshake_fault(err: WsError) -> Fault {
    match err {
        WsError::Http(response) => {
            let status = response.status();
            let retry_after = failure::retry_after_seconds(response.headers());
            let mut message = format!("HTTP {status}");
            let detail = response
                .body()
                .as_deref()
                .filter(|_| !failure::is_authentication(status))
                .and_then(|body| failure::error_message(&String::from_utf8_lossy(body)));
            if let Some(detail) = detail {
                message.push_str(": ");
                message.push_str(&detail);
            }
            Fault::new(failure::status_failure(status, retry_after), message)
        }
        WsError::Io(err) if err.kind() == std::io::ErrorKind::TimedOut => {
            Fault::new(ProviderFailure::Timeout, format!("handshake: {err}"))
        }
        err @ (WsError::Io(_) | WsError::Tls(_)) => {
            Fault::new(ProviderFailure::ServerError, format!("handshake: {err}"))
        }
        err => Fault::malformed(format!("handshake: {err}")),
    }
}

/// A live Deepgram session; dropping it without finishing closes the connection.
pub(crate) struct LiveSession {
    http: ProviderHttp,
    sink: SplitSink<Socket, Message>,
    reader: Option<JoinHandle<Result<Collected, Fault>>>,
}

impl fmt::Debug for LiveSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LiveSession")
            .field("http", &self.http)
            .finish_non_exhaustive()
    }
}

impl Drop for LiveSession {
    fn drop(&mut self) {
        if let Some(reader) = self.reader.take() {
            reader.abort();
        }
    }
}

impl LiveSession {
    /// The reader's failure when it has ended with one, else `fallback`.
    async fn reader_fault_or(&mut self, fallback: Fault) -> Fault {
        match self.reader.take() {
            Some(reader) if reader.is_finished() => match reader.await {
                Ok(Err(fault)) => fault,
                _ => fallback,
            },
            other => {
                self.reader = other;
                fallback
            }
        }
    }
}

#[async_trait::async_trait]
impl SttStream for LiveSession {
    async fn send_audio(&mut self, chunk: Vec<u8>) -> AppResult<()> {
        // Deepgram takes an empty binary frame for the end of the audio.
        if chunk.is_empty() {
            return Ok(());
        }
        let timeout = self.http.request_timeout();
        let fault =
            match tokio::time::timeout(timeout, self.sink.send(Message::binary(chunk))).await {
                Ok(Ok(())) => return Ok(()),
                Err(_) => self.http.timeout_fault("audio not sent"),
                Ok(Err(err)) => Fault::new(
                    ProviderFailure::ServerError,
                    format!("the connection dropped: {err}"),
                ),
            };
        let fault = self.reader_fault_or(fault).await;
        Err(self.http.error(STT_OPERATION, fault))
    }

    async fn finish(mut self: Box<Self>) -> AppResult<Transcript> {
        let timeout = self.http.request_timeout();
        // When the server has closed already, what it sent still counts.
        let _ = tokio::time::timeout(timeout, self.sink.send(Message::text(CLOSE_STREAM))).await;
        let Some(mut reader) = self.reader.take() else {
            return Err(self
                .http
                .error(STT_OPERATION, Fault::malformed("session ended")));
        };
        let collected = match tokio::time::timeout(timeout, &mut reader).await {
            Err(_) => {
                reader.abort();
                Err(self.http.timeout_fault("no final transcript"))
            }
            Ok(Err(_)) => Err(Fault::new(
                ProviderFailure::ServerError,
                "the session reader failed",
            )),
            Ok(Ok(result)) => result,
        };
        let collected = collected.map_err(|fault| self.http.error(STT_OPERATION, fault))?;
        let _ = tokio::time::timeout(timeout, self.sink.close()).await;
        Ok(collected.into_transcript())
    }
}

/// Reads the server's messages until it closes.
async fn read_results(mut stream: SplitStream<Socket>) -> Result<Collected, Fault> {
    let mut collected = Collected::default();
    while let Some(message) = stream.next().await {
        match message {
            Ok(Message::Text(text)) => collected.absorb(text.as_str())?,
            Ok(Message::Close(Some(frame)))
                if !matches!(frame.code, CloseCode::Normal | CloseCode::Away) =>
            {
                let failure = match frame.code {
                    CloseCode::Policy | CloseCode::Unsupported | CloseCode::Invalid => {
                        ProviderFailure::BadRequest
                    }
                    _ => ProviderFailure::ServerError,
                };
                let code = u16::from(frame.code);
                let reason = http_safe(frame.reason.as_str());
                return Err(Fault::new(failure, format!("closed with {code}: {reason}")));
            }
            Ok(Message::Close(_)) | Err(WsError::ConnectionClosed) => break,
            Ok(_) => {} // binary, ping, pong
            // A cut after the metadata loses nothing.
            Err(_) if collected.metadata_seen => break,
            Err(err) => return Err(Fault::malformed(format!("the connection was cut: {err}"))),
        }
    }
    if collected.finals == 0 && !collected.metadata_seen {
        return Err(Fault::malformed("closed before a final transcript"));
    }
    Ok(collected)
}
