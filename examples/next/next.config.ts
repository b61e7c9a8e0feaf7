import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  // Webhook endpoints have no use for the X-Powered-By header.
  poweredByHeader: false,
};

export default nextConfig;
