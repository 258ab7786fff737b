// Throws while it loads: an init failure of the function's own.
throw new RangeError('configuration missing');
