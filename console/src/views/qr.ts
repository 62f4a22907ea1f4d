import { html, type TemplateResult } from "lit-html";
import encodeQR from "qr";

/**
 * A QR code drawn in the page as inline SVG (one path of the dark modules), computed here by the
 * `qr` library: nothing leaves the browser, and nothing but the page's own origin is needed.
 */
export function qrCode(text: string, label: string): TemplateResult {
  // Medium error correction; a quiet zone of 4 modules, as the standard asks.
  const modules = encodeQR(text, "raw", { ecc: "medium", border: 4 });
  const size = modules.length;
  let path = "";
  modules.forEach((row, y) => {
    for (let x = 0; x < size; x++) {
      if (!row[x]) continue;
      let end = x;
      while (end + 1 < size && row[end + 1]) end++;
      path += `M${x} ${y}h${end - x + 1}v1h${-(end - x + 1)}z`;
      x = end;
    }
  });
  return html`<svg
    class="qr"
    role="img"
    aria-label=${label}
    viewBox=${`0 0 ${size} ${size}`}
    width="200"
    height="200"
    shape-rendering="crispEdges"
    data-testid="mfa-qr"
  >
    <rect width=${size} height=${size} fill="#fff" />
    <path d=${path} fill="#000" />
  </svg>`;
}
