<?php
/*
 * Every setting comes from the environment (guide, "Storing Secrets": "Use environment
 * variables or secure configuration", never "Hard-code secrets in source code").
 */

declare(strict_types=1);

const PAGE_SIZE = 50;
const MAX_PAGES_PER_POLL = 20;

/** The break switches: each turns off exactly the behaviour behind one check. */
const KNOWN_BREAKS = ['token.secret-in-body', 'errors.no-retry-on-403', 'token.cached-and-reused'];

final class Settings
{
    public string $apiUrl;
    public string $clientId;
    public string $clientSecret;
    public string $clientIdFile;
    public string $clientSecretFile;
    public string $caFile;
    public int $pollIntervalMs;
    public int $requestTimeoutMs;
    public int $authCooldownMs;
    public int $forbiddenCooldownMs;
    public int $networkCooldownMs;
    public string $storeId;
    public float $initialLookbackHours;
    public string $exportFile;
    /** @var string[] */
    public array $breaks;

    public static function fromEnvironment(): self
    {
        $s = new self();
        $missing = array_filter(['OMNIUM_API_URL', 'OMNIUM_CLIENT_ID', 'OMNIUM_CLIENT_SECRET'], fn ($n) => env($n) === '');
        if ($missing !== []) {
            throw new InvalidArgumentException(implode(', ', $missing) . ' not set');
        }
        $s->apiUrl = rtrim(env('OMNIUM_API_URL'), '/');
        // HTTPS only (checklist transport.https-only): a plain-HTTP URL is a configuration mistake.
        if (stripos($s->apiUrl, 'https://') !== 0) {
            throw new InvalidArgumentException('OMNIUM_API_URL must be an https:// URL');
        }
        $s->clientId = env('OMNIUM_CLIENT_ID');
        $s->clientSecret = env('OMNIUM_CLIENT_SECRET');
        $s->clientIdFile = env('OMNIUM_CLIENT_ID_FILE');
        $s->clientSecretFile = env('OMNIUM_CLIENT_SECRET_FILE');
        // PHP's curl extension does not read CURL_CA_BUNDLE by itself (the curl command does):
        // the file is handed to CURLOPT_CAINFO (http.php).
        $s->caFile = env('CURL_CA_BUNDLE') !== '' ? env('CURL_CA_BUNDLE') : env('SSL_CERT_FILE');
        $s->pollIntervalMs = env_int('POLL_INTERVAL_MS', 3000);
        $s->requestTimeoutMs = env_int('REQUEST_TIMEOUT_MS', 10000);
        $s->authCooldownMs = env_int('AUTH_COOLDOWN_MS', 60000);
        $s->forbiddenCooldownMs = env_int('FORBIDDEN_COOLDOWN_MS', 60000);
        $s->networkCooldownMs = env_int('NETWORK_COOLDOWN_MS', 30000);
        $s->storeId = env('EXPORT_STORE_ID') !== '' ? env('EXPORT_STORE_ID') : 'oslo-online';
        $s->initialLookbackHours = (float) env_int('INITIAL_LOOKBACK_HOURS', 720);
        $s->exportFile = env('EXPORT_FILE');
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

    /**
     * The current credentials. When the harness (or a secret store) gives files, they are
     * read at each token request, so a rotated secret is used without a restart
     * (checklist rotation.survives-secret-rotation); otherwise the environment's.
     *
     * @return array{0: string, 1: string}
     */
    public function credentials(): array
    {
        $id = $this->clientIdFile !== '' ? read_trimmed($this->clientIdFile) : null;
        $secret = $this->clientSecretFile !== '' ? read_trimmed($this->clientSecretFile) : null;
        if ($id !== null && $id !== '' && $secret !== null && $secret !== '') {
            return [$id, $secret];
        }
        return [$this->clientId, $this->clientSecret];
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
