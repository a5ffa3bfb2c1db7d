<?php
/*
 * Waiting before a retry. Guide on 429: "Back off and retry with exponential backoff and
 * jitter."
 */

declare(strict_types=1);

const MAX_DELAY_S = 30.0;

/** The first backoff wait in seconds: BACKOFF_BASE_MS (default 1000); it doubles each retry. */
function base_delay_s(): float
{
    $raw = getenv('BACKOFF_BASE_MS');
    return $raw !== false && ctype_digit($raw) && (int) $raw > 0 ? ((int) $raw) / 1000 : 1.0;
}
const MAX_429_RETRIES = 5; // 429: retries after the first attempt

/**
 * Wait before retry number `$retry` (1 = first): 1 s × 2^(retry-1), capped at 30 s, with the
 * last quarter of each step random (0.75–1 s, 1.5–2 s, 3–4 s…). Every wait is at least 1.5
 * times the one before, and clients throttled together still spread out.
 */
function backoff_delay(int $retry): float
{
    $step = min(MAX_DELAY_S, base_delay_s() * 2 ** ($retry - 1));
    return $step * 0.75 + random_fraction() * $step * 0.25;
}

/** Retry-After in seconds: a number of seconds or an HTTP date (RFC 9110 §10.2.3); null if absent or unreadable. */
function parse_retry_after(?string $value): ?float
{
    if ($value === null) {
        return null;
    }
    $value = trim($value);
    if ($value === '') {
        return null;
    }
    if (ctype_digit($value)) {
        return (float) $value;
    }
    $when = strtotime($value);
    if ($when === false) {
        return null;
    }
    return max(0.0, $when - microtime(true));
}

/**
 * The wait after a 429: never earlier than Retry-After and never shorter than the backoff
 * step, plus a little randomness so clients throttled together do not all come back at the
 * same moment. An HTTP date has whole seconds, so up to a second of it may already be gone:
 * the random part is added on top.
 */
function delay_after_429(int $retry, ?float $retryAfter): float
{
    $backoff = backoff_delay($retry);
    if ($retryAfter === null) {
        return $backoff;
    }
    return max($retryAfter + random_fraction() * min(1.0, max(0.1, $retryAfter / 4)), $backoff);
}

function random_fraction(): float
{
    return random_int(0, PHP_INT_MAX - 1) / PHP_INT_MAX;
}
