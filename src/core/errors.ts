/** Why a config could not be described: the message names the field and says what is wrong, for the user. */
export class NotAModelConfig extends Error {}
