<?php
/*
 * The X-API-KEY, kept server-side (seed 002: "keys kept server-side") and in memory only.
 * Re-read from the key file before every request: a rotated key is in use within one poll,
 * long before the old key's overlap window closes.
 */

declare(strict_types=1);

final class KeyProvider
{
    private ?string $key = null;
    private float $pausedUntil = 0.0;

    public function __construct(private Settings $settings)
    {
    }

    /** Calls are paused because the service refused the key. */
    public function paused(): bool
    {
        return microtime(true) < $this->pausedUntil;
    }

    public function get(): string
    {
        // BREAK: rotation.survives-key-rotation — the key read once, and again only once refused.
        if ($this->key === null || !$this->settings->broken('rotation.survives-key-rotation')) {
            $this->key = $this->settings->currentKey();
        }
        return $this->key;
    }

    /** After a 401: the key file read once more. True when it holds another key (worth one retry). */
    public function rereadAfter401(string $refused): bool
    {
        $this->key = $this->settings->currentKey();
        return !hash_equals($refused, $this->key);
    }

    /** The key itself is refused: say so once, and stop calling for a while instead of retrying in a loop. */
    public function reject(string $how): void
    {
        $seconds = (int) round($this->settings->authCooldownMs / 1000);
        log_line('ERROR', "API key rejected ($how): check that the key is active and current; pausing calls for $seconds s");
        $this->pausedUntil = microtime(true) + $this->settings->authCooldownMs / 1000;
    }
}
