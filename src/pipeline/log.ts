import * as core from '@actions/core';
import type { Log } from '../model/log.js';

/** The log a family's steps write to: the job's log, warnings as annotations. */
export const ACTIONS_LOG: Log = { info: (l) => core.info(l), warning: (l, title) => core.warning(l, title ? { title } : undefined) };
