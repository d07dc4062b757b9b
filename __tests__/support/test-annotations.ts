// The pod annotations the cluster's kwok stages act on, apart from cluster.ts (which needs jest)
// so that support code loaded by scripts can use them too.
/** Pod annotations that the cluster's kwok stages act on (see scripts/cluster/README.md). */
export const TEST_ANNOTATIONS = {
  /** The Running pod fails: container terminated, reason Error, this message, phase Failed. */
  fail: 'bifrost-aks.test/fail',
  /** Exit code of a failing container (default "1"). */
  exitCode: 'bifrost-aks.test/exit-code',
  /** The pod never starts: ErrImagePull then ImagePullBackOff, Warning `Failed` event with this message. */
  imagePullError: 'bifrost-aks.test/image-pull-error',
  /** Absolute path of the file (CRI log format) served as the pod's log; see writePodLog. */
  logFile: 'bifrost-aks.test/log-file',
} as const;
