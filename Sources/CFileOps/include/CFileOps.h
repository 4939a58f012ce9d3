#ifndef GRADLAB_CFILEOPS_H
#define GRADLAB_CFILEOPS_H

/// Swaps two paths (files or folders) in one atomic step: Linux renameat2 with
/// RENAME_EXCHANGE, which glibc's headers do not hand to Swift. Returns 0, or
/// -errno (-EINVAL / -ENOSYS where the file system or kernel lacks it).
int gradlab_exchange_paths(const char *a, const char *b);

#endif
