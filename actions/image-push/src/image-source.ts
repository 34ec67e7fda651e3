// Where the image to push comes from, as a skopeo transport reference. Pure: the caller says what is on disk.
import { InputError } from '../../kit/src/errors.js';

export type SourceKind = 'oci-layout' | 'docker-archive' | 'missing';

/**
 * An OCI layout directory (it has an `oci-layout` file) → `oci:DIR`; a file → `docker-archive:FILE`;
 * a name that is not on disk → a local daemon image (`docker-daemon:NAME`) when it looks like one.
 */
export function sourceReference(source: string, kind: SourceKind): string {
  if (source.trim() === '')
    throw new InputError(
      'The source input is empty: give an OCI layout directory, a docker archive (.tar) or a local image name.',
    );
  if (kind === 'oci-layout') return `oci:${source}`;
  if (kind === 'docker-archive') return `docker-archive:${source}`;
  // A daemon reference must carry a tag or digest; a bare path-like name is a typo, not an image.
  if (
    /^[a-z0-9][a-z0-9._\-/:]*(:[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})$/.test(source) &&
    !source.startsWith('/') &&
    !source.startsWith('.')
  ) {
    return `docker-daemon:${source}`;
  }
  throw new InputError(
    `The source "${source}" is neither an OCI layout directory, a docker archive nor a local image name with a tag: check the path or build the image first.`,
  );
}
