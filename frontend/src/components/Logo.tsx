/** The Seller Bot mark as inline SVG (emoji fonts are missing on many servers and kiosks). */
export function Logo({ size = 26 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <rect x="3" y="8" width="26" height="19" rx="6" fill="#fe2c55" />
      <rect x="7" y="12" width="18" height="10" rx="4" fill="#fff" />
      <circle cx="12.5" cy="17" r="2" fill="#111827" />
      <circle cx="19.5" cy="17" r="2" fill="#111827" />
      <rect x="15" y="3" width="2" height="5" fill="#25f4ee" />
      <circle cx="16" cy="3" r="2" fill="#25f4ee" />
    </svg>
  );
}
