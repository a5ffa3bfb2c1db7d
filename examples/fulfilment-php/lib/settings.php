<?php
/*
 * Settings, all from the environment: the fulfilment service's URL and key, where the key
 * file is (re-read before every request, so a rotated key is picked up within its overlap
 * window), timeouts and cool-downs, and break switches for golive's own tests.
 */

declare(strict_types=1);

const MAX_NETWORK_ATTEMPTS = 4; // network errors and 502/503/504: attempts in all

/** Break switches, each failing exactly one check (GOLIVE_EXAMPLE_BREAK=<check id>). */
const KNOWN_BREAKS = [
    // The key read once at start-up and re-read only once refused: late for the overlap window.
    'rotation.survives-key-rotation',
    // The key written as a string literal into a PHP file of the workspace.
    'credentials.secret-not-in-source',
    // The key sent as ?api_key= on every call besides the header (the service refuses it).
    'token.not-in-url',
];

final class Settings
{
    public string $apiUrl;
    public string $apiKey;
    public string $apiKeyFile;
    public string $caFile;
    public int $pollIntervalMs;
    public int $requestTimeoutMs;
    public int $authCooldownMs;
    public int $forbiddenCooldownMs;
    public int $networkCooldownMs;
    public array $breaks;

    public static function fromEnvironment(): self
    {
        $s = new self();
        $missing = array_filter(['FULFILMENT_API_URL', 'FULFILMENT_API_KEY'], fn ($n) => env($n) === '');
        if ($missing !== []) {
            throw new InvalidArgumentException(implode(', ', $missing) . ' not set');
        }
        $s->apiUrl = rtrim(env('FULFILMENT_API_URL'), '/');
        if (stripos($s->apiUrl, 'https://') !== 0) {
            throw new InvalidArgumentException('FULFILMENT_API_URL must be an https:// URL');
        }
        $s->apiKey = env('FULFILMENT_API_KEY');
        $s->apiKeyFile = env('FULFILMENT_API_KEY_FILE');
        $s->caFile = env('CURL_CA_BUNDLE') !== '' ? env('CURL_CA_BUNDLE') : env('SSL_CERT_FILE');
        $s->pollIntervalMs = env_int('POLL_INTERVAL_MS', 1000);
        $s->requestTimeoutMs = env_int('REQUEST_TIMEOUT_MS', 10000);
        $s->authCooldownMs = env_int('AUTH_COOLDOWN_MS', 60000);
        $s->forbiddenCooldownMs = env_int('FORBIDDEN_COOLDOWN_MS', 60000);
        $s->networkCooldownMs = env_int('NETWORK_COOLDOWN_MS', 30000);
        $s->breaks = array_values(array_filter(array_map('trim', explode(',', env('GOLIVE_EXAMPLE_BREAK')))));
        $unknown = array_diff($s->breaks, KNOWN_BREAKS);
        if ($unknown !== []) {
            throw new InvalidArgumentException('GOLIVE_EXAMPLE_BREAK: unknown ' . implode(', ', $unknown)
                . ' (known: ' . implode(', ', KNOWN_BREAKS) . ')');
        }
        return $s;
    }

    public function broken(string $check): bool
    {
        return in_array($check, $this->breaks, true);
    }

    /** The current key: the key file's content when there is one (a secret store puts the rotated key there), else the variable. */
    public function currentKey(): string
    {
        $fromFile = $this->apiKeyFile !== '' ? read_trimmed($this->apiKeyFile) : null;
        return $fromFile !== null && $fromFile !== '' ? $fromFile : $this->apiKey;
    }
}

function env(string $name): string
{
    $value = getenv($name);
    return $value === false ? '' : trim($value);
}

function env_int(string $name, int $default): int
{
    $raw = env($name);
    if ($raw === '') {
        return $default;
    }
    if (!ctype_digit($raw)) {
        throw new InvalidArgumentException("$name must be a whole number, not \"$raw\"");
    }
    return (int) $raw;
}

function read_trimmed(string $path): ?string
{
    $text = @file_get_contents($path);
    return $text === false ? null : trim($text);
}
