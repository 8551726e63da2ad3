// rate-limiter-flexible's index loads every store adapter (~180 KB bundled, ~50 ms of cold start); the two
// limiters Mediateca uses are imported by path, typed as the package declares them.
declare module 'rate-limiter-flexible/lib/RateLimiterMemory.js' {
  import { RateLimiterMemory } from 'rate-limiter-flexible';
  export default RateLimiterMemory;
}

declare module 'rate-limiter-flexible/lib/RateLimiterRedis.js' {
  import { RateLimiterRedis } from 'rate-limiter-flexible';
  export default RateLimiterRedis;
}
