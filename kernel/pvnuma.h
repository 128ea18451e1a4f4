/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvnuma host module: declarations shared between its files.
 */
#ifndef _PVNUMA_H
#define _PVNUMA_H

int pvnuma_sysfs_init(void);
void pvnuma_sysfs_exit(void);

#endif /* _PVNUMA_H */
