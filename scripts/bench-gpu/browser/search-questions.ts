/**
 * The search scenario's questions: the search bench's plain questions about the man pages, then more of the same
 * kind, all distinct (a repeated question would find the reranker's token cache warm). 35: 5 unmeasured, 30 measured.
 */
import { MAN_PAGE_QUESTIONS } from '../../bench/pages/man-page-copies.js';

export const SEARCH_QUESTIONS: readonly string[] = [
  ...MAN_PAGE_QUESTIONS,
  'how do I sleep for a number of milliseconds',
  'read a directory and list its entries',
  'find out how much memory a process uses',
  'send data over a udp socket',
  'lock a file so that another process cannot write it',
  'duplicate a file descriptor',
  'create a pipe between two processes',
  'start a new thread and wait for it to finish',
  'what does errno ENOENT mean',
  'set a timer that sends a signal',
  'format a date as a string',
  'compare two strings ignoring case',
  'generate random numbers',
  'get the size of a file',
  'rename or move a file',
  'run another program from a process',
  'set an environment variable',
  'wait for input on several file descriptors',
  'share memory between processes',
  'change the current working directory',
  'get the user id of the calling process',
  'sort an array with a comparison function',
  'limit the cpu time a process may use',
];
