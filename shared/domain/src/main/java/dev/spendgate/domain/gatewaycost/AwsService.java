package dev.spendgate.domain.gatewaycost;

/** The AWS services a gateway call uses, with their names as AWS bills them (FOCUS ServiceName). */
public enum AwsService {
    API_GATEWAY("Amazon API Gateway"),
    LAMBDA("AWS Lambda"),
    DYNAMODB("Amazon DynamoDB"),
    S3("Amazon Simple Storage Service"),
    FIREHOSE("Amazon Data Firehose"),
    SECRETS_MANAGER("AWS Secrets Manager"),
    CLOUDWATCH_LOGS("Amazon CloudWatch");

    private final String billedName;

    AwsService(String billedName) {
        this.billedName = billedName;
    }

    public String billedName() {
        return billedName;
    }
}
