//! QR codes of letter links, as SVG and PNG for the mail merge.
//!
//! Both print at [`PRINT_SIZE_MM`] (3 cm) square including the quiet zone:
//! the SVG says so in its `width`/`height`, the PNG in its `pHYs` chunk.
//! Error correction is level M (15% of the code may be damaged or dirty):
//! letters get folded and scribbled on, and a link of about 84 characters
//! still fits version 5 (37 modules), so a module is about 0.67 mm on paper,
//! well above what phone cameras read reliably.

use std::fmt::Write as _;

use qrcode::types::QrError;
use qrcode::{Color, EcLevel, QrCode};

/// Printed width and height of the code, quiet zone included.
pub const PRINT_SIZE_MM: u32 = 30;

/// Light modules around the code on each side: the 4 the QR standard asks
/// for, so the code scans even when printed close to text.
pub const QUIET_ZONE_MODULES: u32 = 4;

/// Resolution the PNG is drawn for at [`PRINT_SIZE_MM`]: modules are whole
/// pixels and at least this dense, so printing does not blur their edges.
pub const PNG_MIN_DPI: u32 = 300;

/// Why a QR code could not be made.
#[derive(Debug, thiserror::Error)]
pub enum QrCodeError {
    /// The text does not fit a QR code at level M (over ~2,300 bytes).
    #[error("the text is too long for a QR code")]
    TooLong,
    /// Any other refusal of the encoder.
    #[error("QR encoding failed: {0}")]
    Encode(#[source] QrError),
    /// Writing the PNG failed.
    #[error("PNG encoding failed: {0}")]
    Png(#[from] png::EncodingError),
}

fn encode(text: &str) -> Result<QrCode, QrCodeError> {
    QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).map_err(|e| match e {
        QrError::DataTooLong => QrCodeError::TooLong,
        other => QrCodeError::Encode(other),
    })
}

/// `url` as an SVG QR code, 30 mm square, one user unit per module.
///
/// Starts with `<svg` (no XML declaration) so it can be inlined in HTML as
/// well as saved as a file. Dark modules are one path of horizontal runs.
pub fn svg(url: &str) -> Result<String, QrCodeError> {
    let code = encode(url)?;
    let width = code.width();
    let quiet = QUIET_ZONE_MODULES as usize;
    let size = width + 2 * quiet;
    let colors = code.to_colors();

    let mut svg = format!(
        concat!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" version="1.1""#,
            r#" width="{mm}mm" height="{mm}mm" viewBox="0 0 {size} {size}""#,
            r#" shape-rendering="crispEdges">"#,
            r##"<rect width="{size}" height="{size}" fill="#fff"/>"##,
            r##"<path fill="#000" d=""##,
        ),
        mm = PRINT_SIZE_MM,
        size = size,
    );
    for (y, row) in colors.chunks(width).enumerate() {
        let mut x = 0;
        while x < width {
            if row[x] == Color::Dark {
                let start = x;
                while x < width && row[x] == Color::Dark {
                    x += 1;
                }
                // Writing to a String cannot fail.
                let _ = write!(
                    svg,
                    "M{} {}h{}v1h-{}z",
                    start + quiet,
                    y + quiet,
                    x - start,
                    x - start
                );
            } else {
                x += 1;
            }
        }
    }
    svg.push_str(r#""/></svg>"#);
    Ok(svg)
}

/// `url` as a grayscale PNG QR code: square, whole pixels per module (at
/// least [`PNG_MIN_DPI`] at 30 mm), and a `pHYs` chunk so that word
/// processors place it at 30 mm.
pub fn png(url: &str) -> Result<Vec<u8>, QrCodeError> {
    let code = encode(url)?;
    let modules = u32::try_from(code.width()).unwrap_or(u32::MAX) + 2 * QUIET_ZONE_MODULES;
    let pixels_per_module = module_pixels(modules);
    let image = code
        .render::<image::Luma<u8>>()
        .quiet_zone(true)
        .module_dimensions(pixels_per_module, pixels_per_module)
        .build();
    let side = image.width();

    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    // Pixels per metre such that `side` pixels span exactly PRINT_SIZE_MM.
    let per_metre = side * 1000 / PRINT_SIZE_MM;
    encoder.set_pixel_dims(Some(png::PixelDimensions {
        xppu: per_metre,
        yppu: per_metre,
        unit: png::Unit::Meter,
    }));
    let mut writer = encoder.write_header()?;
    writer.write_image_data(image.as_raw())?;
    writer.finish()?;
    Ok(out)
}

/// Pixels per module so that `modules` span at least [`PNG_MIN_DPI`] over
/// [`PRINT_SIZE_MM`].
fn module_pixels(modules: u32) -> u32 {
    // 1 inch = 25.4 mm; compute in tenths of a millimetre to stay integral.
    let min_side = (PRINT_SIZE_MM * 10 * PNG_MIN_DPI).div_ceil(254);
    min_side.div_ceil(modules).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A realistic letter URL: origin, language and a signed link path.
    const URL: &str =
        "https://portaal.example.nl/nl/p/ISB-2026-000123/1798761600/k1.PXkK0BWhXSIyedX5KdT8nQ";

    fn decode_luma(luma: &image::GrayImage) -> String {
        let mut prepared = rqrr::PreparedImage::prepare(luma.clone());
        let grids = prepared.detect_grids();
        assert_eq!(grids.len(), 1);
        let (_, content) = grids[0].decode().unwrap();
        content
    }

    #[test]
    fn png_is_square_print_sized_and_scans() {
        let bytes = png(URL).unwrap();
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
        let code = encode(URL).unwrap();
        assert_eq!(code.width(), 37, "version 5 expected for an 84-byte URL");
        let modules = 37 + 2 * QUIET_ZONE_MODULES;
        let side = modules * module_pixels(modules);

        let decoded = image::load_from_memory_with_format(&bytes, image::ImageFormat::Png)
            .unwrap()
            .to_luma8();
        assert_eq!((decoded.width(), decoded.height()), (side, side));
        // 30 mm at ≥ 300 dpi is ≥ 355 px.
        assert!(side >= 355, "{side}");
        assert_eq!(decode_luma(&decoded), URL);

        let reader = png::Decoder::new(std::io::Cursor::new(&bytes))
            .read_info()
            .unwrap();
        let dims = reader.info().pixel_dims.unwrap();
        assert_eq!(dims.unit, png::Unit::Meter);
        let printed_mm = f64::from(side) / f64::from(dims.xppu) * 1000.0;
        assert!((printed_mm - 30.0).abs() < 0.1, "{printed_mm}");
    }

    #[test]
    fn svg_is_print_sized_and_scans() {
        let svg = svg(URL).unwrap();
        assert!(svg.starts_with("<svg "), "{}", &svg[..40]);
        assert!(svg.ends_with("</svg>"));
        assert!(svg.contains(r#"width="30mm" height="30mm" viewBox="0 0 45 45""#));

        // Rasterise the runs back (4 px per module) and scan the result.
        let data = svg.split(r#" d=""#).nth(1).unwrap();
        let data = data.trim_end_matches(r#""/></svg>"#);
        let scale = 4;
        let mut image = image::GrayImage::from_pixel(45 * scale, 45 * scale, image::Luma([255]));
        for run in data.split('M').filter(|r| !r.is_empty()) {
            // "x y" "h" "len" "v1" ...
            let (xy, rest) = run.split_once('h').unwrap();
            let (x, y) = xy.split_once(' ').unwrap();
            let len: u32 = rest.split_once('v').unwrap().0.parse().unwrap();
            let (x, y): (u32, u32) = (x.parse().unwrap(), y.parse().unwrap());
            for px in x * scale..(x + len) * scale {
                for py in y * scale..(y + 1) * scale {
                    image.put_pixel(px, py, image::Luma([0]));
                }
            }
        }
        assert_eq!(decode_luma(&image), URL);
    }

    #[test]
    fn module_size_keeps_300_dpi() {
        // 30 mm at 300 dpi = 354.3 px, so at least 355.
        assert_eq!(module_pixels(45), 8);
        assert_eq!(module_pixels(41), 9);
        assert_eq!(module_pixels(400), 1);
    }

    #[test]
    fn too_long() {
        let huge = "x".repeat(3_000);
        assert!(matches!(svg(&huge), Err(QrCodeError::TooLong)));
        assert!(matches!(png(&huge), Err(QrCodeError::TooLong)));
    }
}
