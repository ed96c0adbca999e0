#include <string.h>

#include "embed.h"

const char *
embedded_find(const struct embedded_file *files, const char *name)
{
	for (; files->name != NULL; files++)
		if (strcmp(files->name, name) == 0)
			return files->text;
	return NULL;
}
