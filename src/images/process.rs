//! From an uploaded file to the three renditions the shop stores, or a refusal saying why. The
//! type is read from the content (never from the name or the browser's word), the size from the
//! header before a single pixel is decoded, and the decoder runs under `image::Limits` as a
//! second guard. Pixels are re-encoded by the shop's encoders, which write no metadata: EXIF
//! (camera, GPS position), XMP and comments never leave with a rendition. The camera's
//! orientation tag is applied to the pixels first, so the picture still stands the right way up.
//!
//! CPU-heavy: callers run it on the blocking pool, never on an async worker.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType as PngFilter, PngEncoder};
use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits};

use super::{ContentHash, FileName, ImageEncoding, Size, fit};

/// The largest file accepted, in bytes.
pub const MAX_UPLOAD_BYTES: usize = 8 * 1024 * 1024;
/// The longest side accepted, in pixels.
pub const MAX_SIDE: u32 = 12_000;
/// The most pixels accepted: 40 megapixels decode to 160 MB of RGBA, the most one upload may
/// make the server hold.
pub const MAX_PIXELS: u64 = 40_000_000;
/// What the decoder may allocate at once: the largest accepted picture in RGBA, and a little.
const MAX_DECODER_ALLOC: u64 = MAX_PIXELS * 4 + 16 * 1024 * 1024;
/// JPEG quality for opaque pictures: at 82 a product photo shows no visible loss at a tenth of
/// the size of a lossless file.
const JPEG_QUALITY: u8 = 82;

/// An upload ready to store: its renditions, largest first, and the picture's own size.
#[derive(Debug)]
pub struct Processed {
    pub hash: ContentHash,
    pub encoding: ImageEncoding,
    /// The decoded picture's size, after its orientation was applied.
    pub width: u32,
    pub height: u32,
    pub renditions: Vec<(Size, Vec<u8>)>,
}

impl Processed {
    pub fn file(&self, size: Size) -> FileName {
        FileName {
            hash: self.hash.clone(),
            size,
            encoding: self.encoding,
        }
    }
}

/// Why an upload was refused; its `Display` is the message shown beside the file field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("Please choose an image file to upload.")]
    Empty,
    #[error(
        "That file is not a JPEG, PNG or WebP image (we check what the file holds, not its name)."
    )]
    NotAnImage,
    #[error("{0} images are not accepted: please upload a JPEG, PNG or WebP image.")]
    OtherFormat(String),
    #[error(
        "The image is {width} × {height} pixels; the most we accept is {MAX_SIDE} pixels a side and 40 megapixels."
    )]
    TooManyPixels { width: u32, height: u32 },
    /// The decoder's own limits (`image::Limits`) stopped it.
    #[error(
        "The image has too many pixels: the most we accept is {MAX_SIDE} pixels a side and 40 megapixels."
    )]
    Oversized,
    #[error("The image could not be read: the file looks damaged or incomplete.")]
    Damaged,
    #[error("The image is larger than 8 MB: please upload a smaller file.")]
    TooLarge,
}

/// Checks, decodes and re-encodes an upload.
pub fn process(upload: &[u8]) -> Result<Processed, Refusal> {
    if upload.is_empty() {
        return Err(Refusal::Empty);
    }
    if upload.len() > MAX_UPLOAD_BYTES {
        return Err(Refusal::TooLarge);
    }
    let format = image::guess_format(upload).map_err(|_| Refusal::NotAnImage)?;
    if !matches!(
        format,
        ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP
    ) {
        return Err(Refusal::OtherFormat(format!("{format:?}").to_uppercase()));
    }
    let (width, height) = ImageReader::with_format(Cursor::new(upload), format)
        .into_dimensions()
        .map_err(refused)?;
    check_size(width, height)?;
    let mut reader = ImageReader::with_format(Cursor::new(upload), format);
    reader.limits(limits());
    let mut decoder = reader.into_decoder().map_err(refused)?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut picture = DynamicImage::from_decoder(decoder).map_err(refused)?;
    if format == ImageFormat::Jpeg && !ends_like_jpeg(upload) {
        // The JPEG decoder fills a cut-off file's missing rows with grey rather than fail.
        return Err(Refusal::Damaged);
    }
    picture.apply_orientation(orientation);
    encode(&picture)
}

/// Refuses a picture too large to decode safely, from its header's dimensions.
pub fn check_size(width: u32, height: u32) -> Result<(), Refusal> {
    let too_many = width == 0
        || height == 0
        || width > MAX_SIDE
        || height > MAX_SIDE
        || u64::from(width) * u64::from(height) > MAX_PIXELS;
    if too_many {
        return Err(Refusal::TooManyPixels { width, height });
    }
    Ok(())
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODER_ALLOC);
    limits
}

fn refused(error: ImageError) -> Refusal {
    match error {
        ImageError::Limits(_) => Refusal::Oversized,
        ImageError::Unsupported(_) => Refusal::NotAnImage,
        _ => Refusal::Damaged,
    }
}

/// Whether a JPEG's last scan is followed by an end-of-image marker. Inside a scan a 0xFF byte
/// is always escaped, so the markers cannot be faked by pixel data; an EXIF thumbnail's own
/// markers come before the picture's scan. Some phones append data after the marker, which is
/// allowed.
fn ends_like_jpeg(bytes: &[u8]) -> bool {
    let last = |marker: u8| bytes.windows(2).rposition(|w| w == [0xFF, marker]);
    matches!((last(0xDA), last(0xD9)), (Some(scan), Some(end)) if end > scan)
}

/// The three renditions, each scaled from the one above it (a good filter over at most a
/// fifth of the pixels each time), in one encoding for all three.
fn encode(picture: &DynamicImage) -> Result<Processed, Refusal> {
    let (width, height) = (picture.width(), picture.height());
    let encoding = if is_opaque(picture) {
        ImageEncoding::Jpeg
    } else {
        // JPEG has no transparency, and the WebP encoder of `image` 0.25 is lossless only, so a
        // cut-out keeps its alpha as PNG: every browser and mail client shows it, and the
        // lossless WebP encoder saves little over it.
        ImageEncoding::Png
    };
    let mut renditions = Vec::with_capacity(Size::ALL.len());
    let mut scaled: Option<DynamicImage> = None;
    for size in Size::ALL {
        let (w, h) = fit(width, height, size.bound());
        let source = scaled.as_ref().unwrap_or(picture);
        if (w, h) != (source.width(), source.height()) {
            scaled = Some(source.resize_exact(w, h, FilterType::Lanczos3));
        }
        let source = scaled.as_ref().unwrap_or(picture);
        renditions.push((size, encoded(source, encoding)?));
    }
    Ok(Processed {
        hash: ContentHash::of(&renditions[0].1),
        encoding,
        width,
        height,
        renditions,
    })
}

fn is_opaque(picture: &DynamicImage) -> bool {
    if !picture.color().has_alpha() {
        return true;
    }
    match picture {
        DynamicImage::ImageRgba8(pixels) => pixels.pixels().all(|p| p.0[3] == u8::MAX),
        DynamicImage::ImageLumaA8(pixels) => pixels.pixels().all(|p| p.0[1] == u8::MAX),
        other => other.to_rgba8().pixels().all(|p| p.0[3] == u8::MAX),
    }
}

fn encoded(picture: &DynamicImage, encoding: ImageEncoding) -> Result<Vec<u8>, Refusal> {
    let mut out = Vec::new();
    let written = match encoding {
        ImageEncoding::Jpeg => {
            let rgb = DynamicImage::ImageRgb8(picture.to_rgb8());
            JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY).encode_image(&rgb)
        }
        ImageEncoding::Png => {
            let rgba = DynamicImage::ImageRgba8(picture.to_rgba8());
            rgba.write_with_encoder(PngEncoder::new_with_quality(
                &mut out,
                CompressionType::Default,
                PngFilter::Adaptive,
            ))
        }
    };
    written.map_err(|_| Refusal::Damaged)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageBuffer, Rgb, Rgba};

    fn photo(width: u32, height: u32) -> DynamicImage {
        DynamicImage::ImageRgb8(ImageBuffer::from_fn(width, height, |x, y| {
            Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
        }))
    }

    fn bytes_of(picture: &DynamicImage, format: ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        picture.write_to(&mut out, format).expect("encoded");
        out.into_inner()
    }

    /// A JPEG with an APP1 segment holding EXIF text right after its start marker.
    fn jpeg_with_exif(picture: &DynamicImage) -> Vec<u8> {
        let plain = bytes_of(picture, ImageFormat::Jpeg);
        let payload = b"Exif\0\0MM\0*\0\0\0\x08SECRET-GPS-51.5N";
        let length = u16::try_from(payload.len() + 2)
            .expect("short")
            .to_be_bytes();
        let mut out = plain[..2].to_vec();
        out.extend_from_slice(&[0xFF, 0xE1, length[0], length[1]]);
        out.extend_from_slice(payload);
        out.extend_from_slice(&plain[2..]);
        out
    }

    #[test]
    fn each_format_becomes_three_bounded_renditions() {
        for format in [ImageFormat::Jpeg, ImageFormat::Png, ImageFormat::WebP] {
            let done = process(&bytes_of(&photo(2000, 1000), format)).expect("accepted");
            assert_eq!((done.width, done.height), (2000, 1000));
            assert_eq!(done.encoding, ImageEncoding::Jpeg, "{format:?} is opaque");
            let sizes: Vec<(u32, u32)> = done
                .renditions
                .iter()
                .map(|(_, bytes)| {
                    let back = image::load_from_memory(bytes).expect("decodes");
                    (back.width(), back.height())
                })
                .collect();
            assert_eq!(sizes, [(1600, 800), (800, 400), (320, 160)]);
            assert_eq!(done.hash, ContentHash::of(&done.renditions[0].1));
        }
    }

    #[test]
    fn a_small_picture_is_never_enlarged() {
        let done = process(&bytes_of(&photo(300, 200), ImageFormat::Png)).expect("accepted");
        for (_, bytes) in &done.renditions {
            let back = image::load_from_memory(bytes).expect("decodes");
            assert_eq!((back.width(), back.height()), (300, 200));
        }
    }

    #[test]
    fn transparency_is_kept_as_png() {
        let cutout = DynamicImage::ImageRgba8(ImageBuffer::from_fn(64, 64, |x, _| {
            Rgba([200, 10, 10, if x < 32 { 0 } else { 255 }])
        }));
        let done = process(&bytes_of(&cutout, ImageFormat::Png)).expect("accepted");
        assert_eq!(done.encoding, ImageEncoding::Png);
        let back = image::load_from_memory(&done.renditions[2].1).expect("decodes");
        assert!(back.color().has_alpha());
    }

    #[test]
    fn metadata_does_not_survive() {
        let upload = jpeg_with_exif(&photo(640, 480));
        assert!(upload.windows(6).any(|w| w == b"SECRET"));
        let done = process(&upload).expect("accepted");
        for (_, bytes) in &done.renditions {
            assert!(!bytes.windows(4).any(|w| w == b"Exif"));
            assert!(!bytes.windows(6).any(|w| w == b"SECRET"));
        }
    }

    #[test]
    fn what_is_not_a_picture_is_refused() {
        let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"></svg>";
        assert_eq!(process(svg).unwrap_err(), Refusal::NotAnImage);
        let html = b"<!DOCTYPE html><html><script>alert(1)</script></html>";
        assert_eq!(process(html).unwrap_err(), Refusal::NotAnImage);
        assert_eq!(process(b"").unwrap_err(), Refusal::Empty);
        let gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;";
        assert!(matches!(
            process(gif).unwrap_err(),
            Refusal::OtherFormat(name) if name == "GIF"
        ));
    }

    #[test]
    fn a_cut_off_file_is_refused() {
        for format in [ImageFormat::Jpeg, ImageFormat::Png, ImageFormat::WebP] {
            let whole = bytes_of(&photo(400, 300), format);
            let cut = &whole[..whole.len() / 2];
            assert_eq!(process(cut).unwrap_err(), Refusal::Damaged, "{format:?}");
        }
    }

    #[test]
    fn sizes_past_the_limits_are_refused_from_the_header() {
        assert!(check_size(12_000, 3_000).is_ok());
        assert!(check_size(12_001, 10).is_err());
        assert!(check_size(7_000, 7_000).is_err());
        assert!(check_size(0, 10).is_err());
        assert_eq!(
            check_size(30_000, 30_000).unwrap_err().to_string(),
            "The image is 30000 × 30000 pixels; the most we accept is 12000 pixels a side and 40 megapixels."
        );
    }
}
