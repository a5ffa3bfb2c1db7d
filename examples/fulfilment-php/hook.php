<?php
/*
 * A WooCommerce hook's server side, in PHP with cURL (seed 002): a teaching example for golive.
 *
 * Every POLL_INTERVAL_MS (default 1000) it reads back the statuses of the orders it pushed
 *   GET /v1/orders?status=received
 * and every third poll pushes one new order to the fulfilment service with only what
 * fulfilment needs (reference, items, shipping address: no billing, no payment data)
 *   POST /v1/orders
 * The key travels in the X-API-KEY header only, over HTTPS with the certificate checked, and
 * is re-read from FULFILMENT_API_KEY_FILE before every call, so a rotated key is in use long
 * before the old one's overlap window closes. No key, header or body is ever logged.
 *
 * Settings, all from the environment (see README.md):
 *   FULFILMENT_API_URL, FULFILMENT_API_KEY, FULFILMENT_API_KEY_FILE   given by the harness
 *   CURL_CA_BUNDLE or SSL_CERT_FILE                                     the CA to trust
 *   POLL_INTERVAL_MS, REQUEST_TIMEOUT_MS, AUTH_COOLDOWN_MS, FORBIDDEN_COOLDOWN_MS
 *   GOLIVE_EXAMPLE_BREAK=<check id>[,<check id>]   break switches, for golive's own tests
 */

declare(strict_types=1);

require __DIR__ . '/lib/log.php';
require __DIR__ . '/lib/settings.php';
require __DIR__ . '/lib/backoff.php';
require __DIR__ . '/lib/http.php';
require __DIR__ . '/lib/keys.php';
require __DIR__ . '/lib/api.php';

/** Set by the signal handler; every wait and every transfer checks it. */
$GLOBALS['golive_stop'] = null;

function stopping(): bool
{
    return $GLOBALS['golive_stop'] !== null;
}

/** Sleeps in slices of at most 100 ms so a SIGTERM is acted on at once. Returns false if stopping. */
function pause(float $seconds): bool
{
    $until = microtime(true) + $seconds;
    while (!stopping()) {
        $left = $until - microtime(true);
        if ($left <= 0) {
            return true;
        }
        usleep((int) (min($left, 0.1) * 1_000_000));
    }
    return false;
}


function install_signal_handlers(): bool
{
    if (!function_exists('pcntl_async_signals')) {
        // Without pcntl, SIGTERM ends the process the default way (exit status 143).
        return false;
    }
    pcntl_async_signals(true);
    $handler = static function (int $signal): void {
        $GLOBALS['golive_stop'] = $signal === SIGINT ? 'SIGINT' : 'SIGTERM';
    };
    pcntl_signal(SIGTERM, $handler);
    pcntl_signal(SIGINT, $handler);
    return true;
}

/**
 * While PHP shuts down, pcntl puts the default handlers back and unblocks the signals, so a
 * second SIGTERM still pending then (golive signals the process group and the process
 * itself, a microsecond apart) would end us with status 143 instead of 0. Block them and
 * take any that came meanwhile off the queue.
 */
function swallow_late_signals(): void
{
    if (!function_exists('pcntl_sigprocmask') || !function_exists('pcntl_sigtimedwait')) {
        return;
    }
    pcntl_sigprocmask(SIG_BLOCK, [SIGTERM, SIGINT]);
    while (pcntl_sigtimedwait([SIGTERM, SIGINT], $info, 0, 0) > 0) {
        // a late SIGTERM or SIGINT: we are stopping anyway
    }
}

/** One order as the shop would push it: only the fields fulfilment needs (data minimisation). */
function next_order(int $n): array
{
    return [
        'reference' => sprintf('WC-%d-%04d', getmypid(), $n),
        'items' => [['sku' => 'MUG-01', 'quantity' => 1 + $n % 3]],
        'shipTo' => ['name' => 'Grace Hopper', 'line1' => '2 Compiler Way', 'postcode' => 'EH1 1AA', 'city' => 'Edinburgh', 'country' => 'GB'],
    ];
}

function main(): int
{
    try {
        $settings = Settings::fromEnvironment();
    } catch (InvalidArgumentException $error) {
        log_line('ERROR', 'configuration: ' . $error->getMessage());
        return 1;
    }
    if (!install_signal_handlers()) {
        log_line('WARN', 'the pcntl extension is missing: SIGTERM will end this process without a clean exit');
    }
    if ($settings->breaks !== []) {
        log_line('WARN', 'GOLIVE_EXAMPLE_BREAK: ' . implode(', ', $settings->breaks) . ' deliberately broken');
    }
    // BREAK: credentials.secret-not-in-source — the key written into a PHP file, as the seed warns against.
    if ($settings->broken('credentials.secret-not-in-source')) {
        file_put_contents(__DIR__ . '/lib/credentials.php', "<?php\nreturn ['api_key' => '" . $settings->currentKey() . "'];\n");
    }
    $http = new Http($settings);
    $keys = new KeyProvider($settings);
    $api = new ApiClient($settings, $http, $keys);

    // The harness waits for this line (golive.config.json readyWhen).
    fwrite(STDOUT, "ready\n");
    fflush(STDOUT);

    $poll = 0;
    $pushed = 0;
    while (!stopping()) {
        if (!$keys->paused()) {
            // BREAK: token.not-in-url — a connectivity check with the key in the query string.
            if ($settings->broken('token.not-in-url')) {
                try {
                    $http->send('GET', $settings->apiUrl . '/v1/health?api_key=' . rawurlencode($keys->get()), ['Accept: application/json']);
                } catch (NetworkError) {
                    // only a check: the poll below says what is wrong
                }
            }
            if ($poll % 3 === 0 && !$api->routePaused('POST /v1/orders')) {
                $order = next_order($pushed);
                if ($api->call('POST', '/v1/orders', 'POST /v1/orders', $order) !== null) {
                    $pushed++;
                    log_line('INFO', "pushed order {$order['reference']}");
                }
            }
            if (!$api->routePaused('GET /v1/orders')) {
                $answer = $api->call('GET', '/v1/orders?status=received', 'GET /v1/orders');
                if ($answer !== null) {
                    log_line('INFO', sprintf('statuses: %d order(s) awaiting fulfilment', count($answer['data'] ?? [])));
                }
            }
            $poll++;
        }
        // Polls never overlap: the next one starts an interval after this one ended.
        pause($settings->pollIntervalMs / 1000);
    }
    log_line('INFO', $GLOBALS['golive_stop'] . ': stopping');
    $http->close();
    swallow_late_signals();
    return 0;
}

exit(main());
