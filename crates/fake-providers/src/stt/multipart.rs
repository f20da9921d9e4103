//! A small `multipart/form-data` reader: enough to record what an OpenAI-compatible
//! transcription client uploads (field names, file names, media types and bytes).

use super::recorded::MultipartField;

/// The fields of `body`, in order; none when `content_type` names no boundary.
pub(crate) fn parse(content_type: &str, body: &[u8]) -> Vec<MultipartField> {
    let Some(boundary) = boundary(content_type) else {
        return Vec::new();
    };
    // Every delimiter but a first one at the very start follows a CRLF.
    let mut text = b"\r\n".to_vec();
    text.extend_from_slice(body);
    let delimiter = format!("\r\n--{boundary}").into_bytes();
    let mut fields = Vec::new();
    for part in split(&text, &delimiter).into_iter().skip(1) {
        if part.starts_with(b"--") {
            break; // the closing delimiter
        }
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let Some(end) = find(part, b"\r\n\r\n") else {
            continue;
        };
        fields.push(field(
            &String::from_utf8_lossy(&part[..end]),
            &part[end + 4..],
        ));
    }
    fields
}

fn field(headers: &str, data: &[u8]) -> MultipartField {
    let mut field = MultipartField {
        name: String::new(),
        filename: None,
        content_type: None,
        data: data.to_vec(),
    };
    for line in headers.split("\r\n") {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        match name.trim().to_ascii_lowercase().as_str() {
            "content-disposition" => {
                for param in value.split(';').skip(1) {
                    let Some((key, value)) = param.split_once('=') else {
                        continue;
                    };
                    let value = value.trim().trim_matches('"').to_owned();
                    match key.trim() {
                        "name" => field.name = value,
                        "filename" => field.filename = Some(value),
                        _ => {}
                    }
                }
            }
            "content-type" => field.content_type = Some(value.trim().to_owned()),
            _ => {}
        }
    }
    field
}

fn boundary(content_type: &str) -> Option<String> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|param| {
        let (key, value) = param.split_once('=')?;
        (key.trim() == "boundary").then(|| value.trim().trim_matches('"').to_owned())
    })
}

fn split<'a>(text: &'a [u8], delimiter: &[u8]) -> Vec<&'a [u8]> {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(at) = find(rest, delimiter) {
        parts.push(&rest[..at]);
        rest = &rest[at + delimiter.len()..];
    }
    parts.push(rest);
    parts
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn reads_text_and_file_fields() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"audio.wav\"\r\n\
Content-Type: audio/wav\r\n\r\nRIFF\r\n--XyZ--\r\n\r\n";
        let fields = parse("multipart/form-data; boundary=XyZ", body);
        assert_eq!(fields.len(), 2);
        assert_eq!(fields[0].name, "model");
        assert_eq!(fields[0].text(), Some("whisper"));
        assert_eq!(fields[1].filename.as_deref(), Some("audio.wav"));
        assert_eq!(fields[1].content_type.as_deref(), Some("audio/wav"));
        assert_eq!(fields[1].data, b"RIFF");
        assert!(parse("application/json", body).is_empty());
    }
}
