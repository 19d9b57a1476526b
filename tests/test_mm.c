// SPDX-License-Identifier: GPL-2.0-only
#include "zd_test.h"

static void placeholder(void **state) { (void)state; skip(); }

int main(void)
{
	const struct CMUnitTest tests[] = { ZD_TEST_PLAIN(placeholder) };

	return ZD_RUN("mm", tests);
}
