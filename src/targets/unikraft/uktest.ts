import { parsePattern, type Pattern } from '../../model/patterns.js';

/**
 * A failed uktest check (Unikraft's test library, LIBUKTEST, which logs each check by default:
 * LIBUKTEST_LOG_TESTS=y). unikraft lib/uktest/include/uk/test.h prints `<check> .... [ FAILED ]`
 * without colours (`"%s %*.*s %s"`: the check, padding dots, the result), and ` FAILED ` between ANSI colour codes (no brackets) with
 * CONFIG_LIBUKDEBUG_ANSI_COLOR: the line is matched after its escape codes are removed, so both
 * forms are caught (https://github.com/unikraft/unikraft/blob/staging/lib/uktest/include/uk/test.h).
 */
export const UKTEST_FAILED: Pattern = parsePattern('/\\[ FAILED \\]|\\.\\s+FAILED\\s*$/', 'fail-on');
